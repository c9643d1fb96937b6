// The template stage (--template): a missing or empty tree is first made
// from the template, as a faithful copy (util/copy_tree) written under a
// temporary name beside it (.#NAME.template) and renamed into place, so no
// half-made tree is ever started; the template's machine id is not copied.
// A lock beside it keeps two starts from making it at once; the leftover of
// a start killed while copying is removed by the next one.
#pragma once

#include "config/config.hpp"
#include "util/result.hpp"

namespace spawn {

Result<void> create_from_template(const Config& cfg);

}  // namespace spawn
