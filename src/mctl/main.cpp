// mctl: prints its usage until the machined issue lands.
#include <cstdio>

int main() {
    std::fputs("Usage: mctl [OPTIONS...] COMMAND ...\n\nmctl manages machines registered with systemd-machined (not implemented yet).\n", stderr);
    return 1;
}
