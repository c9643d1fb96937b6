// Settings: the groups of options that a settings file (.spawn/.nspawn) and
// the command line can both give, as systemd-nspawn's SETTING_* bits. The
// command line records in Config::settings_mask the groups it gave; with
// --settings=yes those groups of a settings file are ignored, with
// --settings=override the file's groups replace them (config/settings.hpp).
// Pure.
#pragma once

#include <cstdint>

namespace spawn {

namespace setting {
inline constexpr uint64_t StartMode = 1ull << 0;         // -b, -a, the command; Boot=, ProcessTwo=, Parameters=
inline constexpr uint64_t Environment = 1ull << 1;       // -E; Environment=
inline constexpr uint64_t User = 1ull << 2;              // -u; User=
inline constexpr uint64_t Capability = 1ull << 3;        // --capability, --drop-capability, --ambient-capability
inline constexpr uint64_t KillSignal = 1ull << 4;
inline constexpr uint64_t Personality = 1ull << 5;
inline constexpr uint64_t MachineId = 1ull << 6;         // --uuid; MachineID=
inline constexpr uint64_t Network = 1ull << 7;           // --private-network, --network-* but -address
inline constexpr uint64_t ExposePorts = 1ull << 8;       // -p; Port=
inline constexpr uint64_t ReadOnly = 1ull << 9;
inline constexpr uint64_t Volatile = 1ull << 10;
inline constexpr uint64_t CustomMounts = 1ull << 11;     // --bind, --bind-ro, --tmpfs, --inaccessible, --overlay
inline constexpr uint64_t WorkingDirectory = 1ull << 12; // --chdir; WorkingDirectory=
inline constexpr uint64_t UserNamespace = 1ull << 13;    // -U, --private-users, --private-users-ownership
inline constexpr uint64_t NotifyReady = 1ull << 14;
inline constexpr uint64_t PivotRoot = 1ull << 15;
inline constexpr uint64_t SyscallFilter = 1ull << 16;
inline constexpr uint64_t Hostname = 1ull << 17;
inline constexpr uint64_t NoNewPrivileges = 1ull << 18;
inline constexpr uint64_t OomScoreAdjust = 1ull << 19;
inline constexpr uint64_t CpuAffinity = 1ull << 20;
inline constexpr uint64_t ResolvConf = 1ull << 21;
inline constexpr uint64_t LinkJournal = 1ull << 22;
inline constexpr uint64_t Timezone = 1ull << 23;
inline constexpr uint64_t Ephemeral = 1ull << 24;
inline constexpr uint64_t Slice = 1ull << 25;
inline constexpr uint64_t ConsoleMode = 1ull << 26;
inline constexpr uint64_t Credentials = 1ull << 27;
inline constexpr uint64_t BindUser = 1ull << 28;
inline constexpr uint64_t SuppressSync = 1ull << 29;
inline constexpr uint64_t Sysctl = 1ull << 30;           // an OCI bundle's linux.sysctl
inline constexpr uint64_t Properties = 1ull << 31;       // --property; an OCI bundle's linux.resources
// One bit per resource limit (RLIMIT_* number r): RlimitFirst << r.
inline constexpr uint64_t RlimitFirst = 1ull << 32;
inline constexpr uint64_t rlimit(int resource) { return RlimitFirst << resource; }
inline constexpr uint64_t JoinedNamespaces = 1ull << 48;  // an OCI bundle's IPC and UTS namespace paths
inline constexpr uint64_t DeviceNodes = 1ull << 49;       // an OCI bundle's linux.devices
}  // namespace setting

}  // namespace spawn
