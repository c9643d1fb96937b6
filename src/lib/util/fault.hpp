// fault: fault injection for the tests (meson -Dfault_injection=true, which
// tools/test uses; compiled out of normal builds). Every stage of a start
// that changes the host or the container's namespaces passes a named fault
// point; the environment of a test-built spawn picks what happens there:
//
//   SPAWN_FAULT=POINT       fault::at(POINT) fails with "POINT: injected fault"
//   SPAWN_FAULT_STOP=POINT  the process stops itself there (SIGSTOP) after
//                           writing "spawn: stopped at POINT" to stderr, so a
//                           test can SIGKILL spawn at that exact point
//   SPAWN_FAULT_RECORD=1    "spawn: fault point POINT" on stderr for each point
//                           passed (the test learns every point of a start)
//
// fault::injected(POINT) is a point whose failure the start survives (spawn
// then does without what failed): SPAWN_FAULT=POINT fails it and
// SPAWN_FAULT_STOP=POINT stops there, as above, but it is never recorded
// (every recorded point must end a start).
//
// A point a process passes again is named POINT#2, POINT#3, ... (a child
// continues its parent's count from the clone).
#pragma once

#include <string_view>

#include "util/result.hpp"

namespace spawn::fault {

#ifdef SPAWN_FAULT_INJECTION
inline constexpr bool kEnabled = true;
Result<void> at(std::string_view point);
bool injected(std::string_view point);
#else
inline constexpr bool kEnabled = false;
inline Result<void> at(std::string_view) { return {}; }
inline bool injected(std::string_view) { return false; }
#endif

}  // namespace spawn::fault
