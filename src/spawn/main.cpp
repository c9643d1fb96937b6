// spawn: placeholder entry point; the spawn core issue replaces it.
#include "util/log.hpp"

int main() {
    spawn::log::set_program("spawn");
    spawn::log::error("not implemented yet");
    return 1;
}
