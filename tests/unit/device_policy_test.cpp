// The device policy planner: DeviceAllow= parsing and resolution, nspawn's
// list, the cgroup v1 lines and the BPF program (run here by a small
// interpreter of the instructions it uses, so its decisions are checked
// without a kernel).
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "container/device_policy.hpp"

using namespace spawn;
using namespace spawn::container;

namespace {

const char* kProcDevices =
    "Character devices:\n"
    "  1 mem\n"
    "  4 /dev/vc/0\n"
    "  4 tty\n"
    "  5 /dev/tty\n"
    " 10 misc\n"
    "136 pts\n"
    "137 pts\n"
    "\n"
    "Block devices:\n"
    "  7 loop\n"
    "254 virtblk\n"
    "259 blkext\n";

DeviceFacts facts() {
    DeviceFacts f;
    f.proc_devices = kProcDevices;
    f.stat = [](const std::string& p) -> Result<std::optional<DeviceNode>> {
        static const std::map<std::string, DeviceNode> nodes = {
            {"/dev/loop-control", {'c', 10, 237}}, {"/dev/loop0", {'b', 7, 0}}, {"/dev/null", {'c', 1, 3}},
            {"/srv/fuse", {'c', 10, 229}},
        };
        if (auto it = nodes.find(p); it != nodes.end()) return std::optional<DeviceNode>(it->second);
        if (p == "/dev/shm" || p == "/srv/data") return std::optional<DeviceNode>();
        return Error::sys(ENOENT, "{}", p);
    };
    return f;
}

// Runs a BPF_PROG_TYPE_CGROUP_DEVICE program on one access; returns r0.
int64_t run_bpf(const std::vector<bpf_insn>& prog, char type, uint32_t major, uint32_t minor, const std::string& access) {
    bpf_cgroup_dev_ctx ctx{};
    uint32_t acc = 0;
    for (char c : access) acc |= c == 'r' ? BPF_DEVCG_ACC_READ : c == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
    ctx.access_type = (acc << 16) | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
    ctx.major = major;
    ctx.minor = minor;
    uint64_t r[11] = {};
    r[1] = reinterpret_cast<uint64_t>(&ctx);
    for (size_t pc = 0; pc < prog.size(); ++pc) {
        const bpf_insn& i = prog[pc];
        uint64_t src = (BPF_SRC(i.code) == BPF_X) ? r[i.src_reg] : static_cast<uint64_t>(static_cast<int64_t>(i.imm));
        switch (BPF_CLASS(i.code)) {
        case BPF_LDX: {
            EXPECT_EQ(i.code, BPF_LDX | BPF_W | BPF_MEM);
            uint32_t v;
            std::memcpy(&v, reinterpret_cast<const char*>(r[i.src_reg]) + i.off, 4);
            r[i.dst_reg] = v;
            break;
        }
        case BPF_ALU: {
            uint32_t d = static_cast<uint32_t>(r[i.dst_reg]), s = static_cast<uint32_t>(src);
            if (BPF_OP(i.code) == BPF_AND) d &= s;
            else if (BPF_OP(i.code) == BPF_RSH) d >>= s;
            else if (BPF_OP(i.code) == BPF_MOV) d = s;
            else ADD_FAILURE() << "unexpected ALU op";
            r[i.dst_reg] = d;
            break;
        }
        case BPF_ALU64:
            EXPECT_EQ(BPF_OP(i.code), BPF_MOV);
            r[i.dst_reg] = src;
            break;
        case BPF_JMP:
            if (BPF_OP(i.code) == BPF_EXIT) return static_cast<int64_t>(r[0]);
            if (BPF_OP(i.code) == BPF_JA || (BPF_OP(i.code) == BPF_JNE && r[i.dst_reg] != src)) pc += i.off;
            else EXPECT_EQ(BPF_OP(i.code), BPF_JNE);
            break;
        default:
            ADD_FAILURE() << "unexpected instruction class";
            return -1;
        }
        if (pc + 1 > prog.size()) ADD_FAILURE() << "jump out of the program";
    }
    ADD_FAILURE() << "program ran off its end";
    return -1;
}

}  // namespace

TEST(DeviceAllow, ParsesSystemdSyntax) {
    EXPECT_EQ(*parse_device_allow("/dev/loop-control rw"), (DeviceAllow{"/dev/loop-control", "rw"}));
    EXPECT_EQ(*parse_device_allow("char-pts"), (DeviceAllow{"char-pts", "rwm"}));
    EXPECT_EQ(*parse_device_allow("block-loop  mr"), (DeviceAllow{"block-loop", "rm"}));
    EXPECT_EQ(*parse_device_allow("/run/systemd/inaccessible/chr rwm"),
              (DeviceAllow{"/run/systemd/inaccessible/chr", "rwm"}));
}

TEST(DeviceAllow, BadValuesAreOneLineNamingTheValue) {
    auto acc = parse_device_allow("/dev/null xyz");
    ASSERT_FALSE(acc.ok());
    EXPECT_EQ(acc.error().message(),
              "--property=DeviceAllow=/dev/null xyz: bad access \"xyz\" (expected a combination of r, w and m)");
    auto path = parse_device_allow("/nonexistent rw");
    ASSERT_FALSE(path.ok());
    EXPECT_NE(path.error().message().find("--property=DeviceAllow=/nonexistent rw: \"/nonexistent\" is neither"),
              std::string::npos)
        << path.error().message();
    EXPECT_FALSE(parse_device_allow("").ok());
    EXPECT_FALSE(parse_device_allow("char- rw").ok());
    EXPECT_FALSE(parse_device_allow("/dev/../etc/shadow r").ok());
    EXPECT_FALSE(parse_device_allow("/dev/null r w").ok());
    EXPECT_EQ(device_allow_values({"MemoryMax=1G", "DeviceAllow=char-pts rw", "DeviceAllow=/dev/null"}),
              (std::vector<std::string>{"char-pts rw", "/dev/null"}));
}

TEST(DeviceAllow, ResolvesPathsAndDriverNames) {
    auto f = facts();
    EXPECT_EQ(*resolve_device_allow({"/dev/loop-control", "rw"}, f), (std::vector<DeviceRule>{{'c', 10, 237, "rw"}}));
    EXPECT_EQ(*resolve_device_allow({"char-pts", "rw"}, f),
              (std::vector<DeviceRule>{{'c', 136, -1, "rw"}, {'c', 137, -1, "rw"}}));
    EXPECT_EQ(*resolve_device_allow({"block-loop", "rwm"}, f), (std::vector<DeviceRule>{{'b', 7, -1, "rwm"}}));
    EXPECT_EQ(*resolve_device_allow({"block-*blk*", "r"}, f),
              (std::vector<DeviceRule>{{'b', 254, -1, "r"}, {'b', 259, -1, "r"}}));  // globs, as systemd
    EXPECT_EQ(*resolve_device_allow({"char-misc", "rw"}, f), (std::vector<DeviceRule>{{'c', 10, -1, "rw"}}));
    auto none = resolve_device_allow({"char-doesnotexist", "rw"}, f);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().message(),
              "--property=DeviceAllow=char-doesnotexist rw: no character device driver matching \"doesnotexist\" in "
              "/proc/devices");
    EXPECT_FALSE(resolve_device_allow({"block-pts", "rw"}, f).ok());  // a character driver only
    auto missing = resolve_device_allow({"/dev/nonexistent", "rw"}, f);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message(),
              "--property=DeviceAllow=/dev/nonexistent rw: /dev/nonexistent: No such file or directory");
    auto notdev = resolve_device_allow({"/dev/shm", "rw"}, f);
    ASSERT_FALSE(notdev.ok());
    EXPECT_NE(notdev.error().message().find("/dev/shm is not a device node"), std::string::npos);
}

TEST(DevicePolicy, NspawnListBindsAndProperties) {
    auto p = plan_device_policy({"/dev/loop-control rw"},
                                {{"/srv/fuse", true}, {"/dev/loop0", false}, {"/srv/data", false}, {"/srv/gone", false}},
                                facts());
    ASSERT_TRUE(p.ok()) << p.error().message();
    EXPECT_EQ(p->allow, (std::vector<DeviceAllow>{{"/dev/net/tun", "rwm"},
                                                  {"char-pts", "rw"},
                                                  {"/srv/fuse", "r"},
                                                  {"/dev/loop0", "rw"},
                                                  {"/dev/loop-control", "rw"}}));
    EXPECT_EQ(p->bind_allow, (std::vector<DeviceAllow>{{"/srv/fuse", "r"}, {"/dev/loop0", "rw"}}));
    std::vector<std::string> want = {"c 1:3 rwm",  "c 1:5 rwm",   "c 1:7 rwm",    "c 1:8 rwm",   "c 1:9 rwm",
                                     "c 5:0 rwm",  "c 5:2 rwm",   "c 0:0 rwm",    "b 0:0 rwm",   "c 10:200 rwm",
                                     "c 136:* rw", "c 137:* rw",  "c 10:229 r",   "b 7:0 rw",    "c 10:237 rw"};
    EXPECT_EQ(device_v1_lines(p->rules), want);
    EXPECT_FALSE(plan_device_policy({"char-doesnotexist rw"}, {}, facts()).ok());
    EXPECT_FALSE(plan_device_policy({"/dev/null xyz"}, {}, facts()).ok());
}

TEST(DevicePolicy, BpfProgramAllowsExactlyTheRules) {
    auto p = plan_device_policy({"/dev/loop-control rw"}, {{"/srv/fuse", true}}, facts());
    ASSERT_TRUE(p.ok());
    auto prog = device_bpf_program(p->rules);
    struct Case { char type; uint32_t major, minor; const char* access; int64_t want; } cases[] = {
        {'c', 1, 3, "rwm", 1},   {'c', 1, 3, "m", 1},     {'c', 1, 9, "rw", 1},    {'c', 5, 2, "rw", 1},
        {'c', 10, 200, "rwm", 1}, {'c', 136, 5, "rw", 1},  {'c', 137, 0, "r", 1},   {'c', 0, 0, "m", 1},
        {'b', 0, 0, "rwm", 1},   {'c', 10, 237, "rw", 1},  {'c', 10, 229, "r", 1},
        {'c', 136, 5, "m", 0},    // ptys may not be created
        {'c', 10, 237, "m", 0},   // rw only
        {'c', 10, 229, "w", 0},   // --bind-ro: read only
        {'c', 4, 1, "rw", 0},     // tty1
        {'c', 5, 1, "rw", 0},     // console
        {'c', 10, 229, "rwm", 0}, // fuse beyond r
        {'b', 7, 0, "r", 0},      // loop0
        {'b', 1, 3, "rw", 0},     // the null numbers as a block device
        {'c', 1, 4, "r", 0},      // /dev/port
    };
    for (const auto& c : cases)
        EXPECT_EQ(run_bpf(prog, c.type, c.major, c.minor, c.access), c.want)
            << c.type << " " << c.major << ":" << c.minor << " " << c.access;
    // Only the instructions the interpreter knows, and no jump out of the program.
    EXPECT_EQ(run_bpf(device_bpf_program({}), 'c', 1, 3, "r"), 0);
}
