#include "config/help.hpp"

#include <fmt/format.h>

#ifndef SPAWN_VERSION
#define SPAWN_VERSION "unknown"
#endif

namespace spawn {

std::string spawn_usage(std::string_view program) {
    return fmt::format(R"({0} [OPTIONS...] [PATH] [ARGUMENTS...]

Spawn a command or OS in a light-weight container.
Command-line compatible with systemd-nspawn.

  -h --help                 Show this help
     --version              Print version string
  -q --quiet                Do not show status information
     --no-pager             Do not pipe output into a pager (spawn never does)
     --settings=BOOLEAN     Load additional settings from .spawn/.nspawn file
                            (yes, no, override: the file wins, trusted: trust
                            a file beside the tree too)

Image:
  -D --directory=PATH       Root directory for the container (default: the
                            current directory, or NAME in /var/lib/machines
                            with -M)
  -i --image=PATH           Root file system disk image for
                            the container: a GPT per the Discoverable
                            Partitions Specification, one Linux partition,
                            or a bare file system
     --root-hash=HASH       Specify verity root hash for root disk image
     --root-hash-sig=SIG    Specify pkcs7 signature of root hash for verity
                            (a path, or base64:DATA)
     --verity-data=PATH     Specify hash device for verity (needs dm-verity
                            in the kernel; spawn does not verify images yet
                            and refuses to run them unverified)
     --oci-bundle=PATH      OCI runtime bundle to run: its config.json gives the
                            root, the settings and the hooks (the command line
                            wins; no .spawn/.nspawn file is read)
     --template=PATH        Initialize root directory from template directory,
                            if missing or empty
  -x --ephemeral            Run container with snapshot of root directory, and
                            remove it after exit (an overlay on a tmpfs: the
                            tree is never written)
     --read-only            Mount the root directory read-only
     --volatile[=MODE]      Run the system in volatile mode (yes: a tmpfs root
                            with the tree's /usr; state: /var a tmpfs; overlay:
                            a tmpfs overlay over the whole tree)
     --pivot-root=PATH[:PATH]
                            Pivot root to given directory in the container

Execution:
  -a --as-pid2              Maintain a stub init as PID1, invoke binary as PID2
  -b --boot                 Boot up full system (i.e. invoke init)
     --chdir=PATH           Set working directory in the container
  -E --setenv=NAME[=VALUE]  Pass an environment variable to PID 1
  -u --user=USER            Run the command under specified user or UID
     --kill-signal=SIGNAL   Select signal to use for shutting down PID 1
                            (default: SIGRTMIN+3 with --boot, else SIGKILL)
     --suppress-sync=BOOLEAN
                            Suppress any form of disk data synchronization
     --notify-ready=BOOLEAN Receive notifications from the child init process
                            (yes: READY=1 only when the guest's init is ready)

System Identity:
  -M --machine=NAME         Set the machine name for the container
     --hostname=NAME        Override the hostname for the container
     --uuid=UUID            Set a specific machine UUID for the container

Properties:
  -S --slice=SLICE          Place the container in the specified slice
     --property=NAME=VALUE  Set scope unit property (limits such as MemoryMax=,
                            TasksMax= (default 16384), CPUQuota=, and
                            DeviceAllow=DEVICE [rwm] to add a device to the
                            device policy)

Security:
     --capability=CAP       In addition to the default, retain specified
                            capability (comma-separated list, or all)
     --drop-capability=CAP  Drop the specified capability from the default set
     --system-call-filter=LIST|~LIST
                            Permit/prohibit specific system calls (names and
                            @groups, space-separated; see systemd-analyze
                            syscall-filter); calls the filter does not know
                            fail with ENOSYS
     --ambient-capability=CAP
                            Sets the specified capability for the started
                            process (comma-separated list; kept by -u USER).
                            Not useful if booting a machine
     --no-new-privileges=BOOL
                            Set PR_SET_NO_NEW_PRIVS flag for container payload
  -Z --selinux-context=SECLABEL
                            Set the SELinux security context to be used by
                            processes in the container (SELinux hosts only)
  -L --selinux-apifs-context=SECLABEL
                            Set the SELinux security context to be used by
                            API/tmpfs file systems in the container

Resources:
     --rlimit=NAME=SOFT[:HARD]
                            Set a resource limit for the payload (NOFILE,
                            CPU, AS, ...; "infinity"); limits not given get
                            nspawn's defaults (NOFILE 1024 soft)
     --oom-score-adjust=VALUE
                            Adjust the OOM score value for the payload
                            (-1000..1000, set from the host)
     --cpu-affinity=CPUS    Adjust the CPU affinity of the container
                            (e.g. 0,2-3)
     --personality=ARCH     Pick personality for this container (x86-64, or
                            x86 for a 32-bit userland)

User Namespacing:
     --private-users=no     Run without user namespacing
     --private-users=yes|pick|identity
                            Run within user namespace, autoselect UID/GID range
     --private-users=UIDBASE[:NUIDS]
                            Similar, but with user configured UID/GID range
     --private-users-ownership=MODE
                            Take care of ownership of the container's files
                            (off, chown, map or auto)
  -U                        Equivalent to --private-users=pick and
                            --private-users-ownership=auto

Networking:
     --private-network      Disable network in container
     --network-interface=INTERFACE
                            Assign an existing network interface to the
                            container
     --network-macvlan=INTERFACE
                            Create a macvlan network interface based on an
                            existing network interface to the container
     --network-ipvlan=INTERFACE
                            Create an ipvlan network interface based on an
                            existing network interface to the container
  -n --network-veth         Add a virtual Ethernet connection between host
                            and container
     --network-veth-extra=HOSTIF[:CONTAINERIF]
                            Add an additional virtual Ethernet link between
                            host and container
     --network-bridge=INTERFACE
                            Add a virtual Ethernet connection to the container
                            and attach it to an existing bridge on the host
     --network-zone=NAME    Similar, but attach the new interface to an
                            automatically managed bridge interface
     --network-namespace-path=PATH
                            Set network namespace to the one represented by
                            the specified kernel namespace file node
     --network-address=ADDRESS/PREFIX[,GATEWAY]
                            Configure an address (and a default route) on the
                            container's host0 from the host side (repeatable)
  -p --port=[PROTOCOL:][HOSTADDRESS:]HOSTPORT[:CONTAINERPORT]
                            Expose a container IP port on the host; also for
                            connections to 127.0.0.1 and over IPv6 ("[fd00::1]")

Filesystems:
     --bind=PATH[:PATH[:OPTIONS]]
                            Bind mount a file or directory from the host into
                            the container
     --bind-ro=PATH[:PATH[:OPTIONS]]
                            Similar, but creates a read-only bind mount
                            (OPTIONS: rbind, norbind; with -U also idmap,
                            rootidmap, noidmap)
     --inaccessible=PATH    Over-mount file node with inaccessible node to mask
                            it
     --bind-user=NAME       Bind user from host to container
     --tmpfs=PATH[:OPTIONS] Mount an empty tmpfs to the specified directory
                            (default options: mode=0755)
     --overlay=PATH[:PATH...]:PATH
                            Create an overlay mount from the host to the
                            container (an empty upper: a tmpfs)
     --overlay-ro=PATH[:PATH...]:PATH
                            Similar, but creates a read-only overlay mount

Integration:
     --register=BOOLEAN|auto
                            Register container as machine (default: auto,
                            i.e. when systemd-machined is reachable)
     --keep-unit            Do not register a scope for the machine, reuse
                            the service unit spawn is running in
     --link-journal=MODE    Link up guest journal, one of no, auto, guest,
                            host, try-guest, try-host
  -j                        Equivalent to --link-journal=try-guest
     --resolv-conf=MODE     Select mode of /etc/resolv.conf initialization
                            (off, copy-*, replace-*, bind-* of host, static,
                            uplink or stub; delete; auto)
     --timezone=MODE        Select mode of /etc/localtime initialization
                            (off, copy, bind, symlink, delete, auto)

Credentials:
     --set-credential=ID:VALUE
                            Pass a credential with literal value to container
                            (C escapes in VALUE)
     --load-credential=ID:PATH
                            Load credential to pass to container from file

Input/Output:
     --console=MODE         Select how stdin/stdout/stderr and /dev/console are
                            set up for the container: interactive, read-only,
                            passive, pipe or autopipe
  -P --pipe                 Equivalent to --console=pipe

The container has a cgroup of its own in every cgroup hierarchy and nspawn's
device policy (DevicePolicy=closed, /dev/net/tun, ptys, --bind device nodes).
The container's PID 1 gets container=spawn and container_uuid= in its
environment. Exit status: the command's; with --boot and --keep-unit a
reboot of the guest exits 133. See spawn(1) for details.
)",
                       program);
}

std::string spawn_version() {
    return "spawn " SPAWN_VERSION "\n"
           "Command-line compatible with systemd-nspawn 252.\n";
}

}  // namespace spawn
