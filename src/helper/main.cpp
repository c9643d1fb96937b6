// spawn-helper's entry point: one request on the command line
// (container/helper_protocol.hpp); anything else is refused. A script in a
// machine with "#!/proc/self/exe" lands here with another argv[0] and ends
// with status 127: no code of the machine ever runs with the helper's image.
#include <sys/prctl.h>

#include <cstdio>
#include <string>
#include <vector>

#include "helper.hpp"

int main(int argc, char** argv) {
    // exec made us dumpable again: nothing in the machine may read or trace
    // us without CAP_SYS_PTRACE (and with it, we have nothing to give).
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    std::vector<std::string> args(argv, argv + argc);
    std::string error = "not a request";
    if (args.size() >= 2 && args[1] == "exec") {
        if (auto r = spawn::container::parse_exec_request(args, &error)) spawn::helper::run_exec(*r);
    } else if (args.size() >= 2 && args[1] == "enter") {
        if (auto r = spawn::container::parse_enter_request(args, &error)) spawn::helper::run_enter(*r);
    }
    std::fprintf(stderr, "spawn-helper: %s (an internal helper of spawn and mctl, not a command)\n", error.c_str());
    return 127;
}
