#include "container/device_cgroup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>

#include "util/file.hpp"
#include "util/log.hpp"

namespace spawn::container {
namespace {

long sys_bpf(int cmd, union bpf_attr* attr) { return syscall(SYS_bpf, cmd, attr, sizeof *attr); }

// The kernel copies a license string in any case; no GPL-only helper is used.
constexpr char kLicense[] = "GPL";

Result<UniqueFd> load(const std::vector<bpf_insn>& program, std::string* log) {
    union bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = reinterpret_cast<uint64_t>(program.data());
    attr.insn_cnt = static_cast<uint32_t>(program.size());
    attr.license = reinterpret_cast<uint64_t>(kLicense);
    std::string buf;
    if (log) {
        buf.assign(16384, '\0');
        attr.log_level = 1;
        attr.log_buf = reinterpret_cast<uint64_t>(buf.data());
        attr.log_size = static_cast<uint32_t>(buf.size());
    }
    int fd = static_cast<int>(sys_bpf(BPF_PROG_LOAD, &attr));
    if (fd < 0) {
        int err = errno;
        if (log) *log = buf.c_str();
        return Error::sys(err, "loading the BPF device program");
    }
    return UniqueFd(fd);
}


}  // namespace

DeviceFacts host_device_facts() {
    DeviceFacts f;
    f.proc_devices = read_text_file("/proc/devices");
    f.stat = [](const std::string& path) -> Result<std::optional<DeviceNode>> {
        struct stat st {};
        if (::stat(path.c_str(), &st) < 0) return Error::errno_("{}", path);
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
            return std::optional<DeviceNode>(DeviceNode{S_ISCHR(st.st_mode) ? 'c' : 'b', major(st.st_rdev), minor(st.st_rdev)});
        return std::optional<DeviceNode>();
    };
    return f;
}

Result<void> probe_device_programs() {
    // r0 = 1; exit: allows everything, never attached.
    std::vector<bpf_insn> trivial = device_bpf_program({{'c', -1, -1, "rwm"}});
    TRY(load(trivial, nullptr));
    return ok();
}

Result<UniqueFd> load_device_program(const std::vector<bpf_insn>& program) {
    auto fd = load(program, nullptr);
    if (fd.ok()) return fd;
    std::string log;
    auto again = load(program, &log);
    if (again.ok()) return again;
    auto first = log.substr(0, log.find('\n'));
    if (first.empty()) return std::move(again).error();
    return std::move(again).error().context(first);
}

Result<void> apply_device_policy(const CgroupPlan& plan, const DevicePolicy& policy) {
    const CgroupDir* v1 = plan.v1_with("devices");
    if (v1) {
        // A new v1 cgroup inherits its parent's (allow-all) policy: close it, then open what is allowed.
        TRY(write_file(v1->path + "/devices.deny", "a"));
        for (const auto& line : device_v1_lines(policy.rules)) TRY(write_file(v1->path + "/devices.allow", line));
    }
    const CgroupDir* v2 = plan.v2();
    if (!v2) {
        if (!v1) log::warn("no cgroup v1 devices controller and no cgroup2 here: the container's device access is not restricted");
        return ok();
    }
    if (auto probe = probe_device_programs(); !probe.ok()) {
        log::warn("BPF device programs are not available ({}): {}", probe.error().message(),
                  v1 ? "the device policy relies on the cgroup v1 devices controller alone"
                     : "the container's device access is not restricted");
        return ok();
    }
    auto prog = TRY(load_device_program(device_bpf_program(policy.rules)));
    UniqueFd cg(::open(v2->path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!cg) return Error::errno_("opening cgroup {}", v2->path);
    union bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.target_fd = static_cast<uint32_t>(cg.get());
    attr.attach_bpf_fd = static_cast<uint32_t>(prog.get());
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0) return Error::errno_("attaching the BPF device program to {}", v2->path);
    // The attachment holds the program until the cgroup is removed.
    return ok();
}

}  // namespace spawn::container
