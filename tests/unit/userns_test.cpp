// User namespaces, the pure half: -U / --private-users / --private-users-
// ownership parsing (nspawn 252's spellings and refusals), the range plan
// (given, read from the tree, picked: where pick starts and what it tries),
// the ID map text, the xattr shifts of chown mode, and what the mount plan
// and the start plan do differently in a user namespace.
#include <sched.h>
#include <sys/mount.h>

#include <cstring>
#include <set>

#include <gtest/gtest.h>

#include "config/options.hpp"
#include "spawn_args.hpp"
#include "config/userns_options.hpp"
#include "container/bind_user.hpp"
#include "container/mount_plan.hpp"
#include "container/ownership_shift.hpp"
#include "container/userns_plan.hpp"

using namespace spawn;
using namespace spawn::container;

namespace {

Result<Config> parse(std::initializer_list<std::string> args) { return test::parse_spawn_args(args); }

UserNamespace users(std::string_view arg) {
    UserNamespace u;
    auto r = parse_private_users(arg, u);
    EXPECT_TRUE(r.ok()) << arg << ": " << (r.ok() ? "" : r.error().message());
    return u;
}

std::string users_error(std::string_view arg) {
    UserNamespace u;
    auto r = parse_private_users(arg, u);
    return r.ok() ? "(accepted)" : r.error().message();
}

}  // namespace

TEST(UserNsOptions, PrivateUsersValues) {
    EXPECT_EQ(users("no").mode, UserNsMode::No);
    EXPECT_EQ(users("false").mode, UserNsMode::No);
    EXPECT_EQ(users("yes").mode, UserNsMode::FromTree);
    EXPECT_EQ(users("pick").mode, UserNsMode::Pick);
    EXPECT_EQ(users("identity").mode, UserNsMode::Identity);
    auto fixed = users("1048576");
    EXPECT_EQ(fixed.mode, UserNsMode::Fixed);
    EXPECT_EQ(fixed.base, 1048576u);
    EXPECT_EQ(fixed.count, 65536u);
    auto small = users("1000:5");
    EXPECT_EQ(small.base, 1000u);
    EXPECT_EQ(small.count, 5u);
    EXPECT_EQ(users("4294967294:1").base, 4294967294u);
}

TEST(UserNsOptions, PrivateUsersRefusals) {
    EXPECT_EQ(users_error(""), "Invalid --private-users: '' (expected yes, no, pick, identity or BASE[:COUNT])");
    EXPECT_NE(users_error("maybe").find("Invalid --private-users: 'maybe'"), std::string::npos);
    EXPECT_NE(users_error("10:0").find("at least one UID"), std::string::npos);
    EXPECT_NE(users_error("4294967295").find("is not a UID"), std::string::npos);
    EXPECT_NE(users_error("4294967295:1").find("is not a UID"), std::string::npos);
    EXPECT_NE(users_error("4294967000:1000").find("beyond the last UID"), std::string::npos);
    EXPECT_NE(users_error("1:").find("count '' is not a UID"), std::string::npos);
    EXPECT_NE(users_error(":5").find("base '' is not a UID"), std::string::npos);
    EXPECT_NE(users_error("-1").find("Invalid --private-users: '-1'"), std::string::npos);
}

TEST(UserNsOptions, CommandLine) {
    auto u = parse({"-U", "-D", "/x"});
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->userns.mode, UserNsMode::Pick);
    EXPECT_EQ(u->userns.ownership, UserNsOwnership::Auto);
    auto o = parse({"--private-users=1048576", "--private-users-ownership=chown", "-D", "/x"});
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(effective_ownership(o->userns), UserNsOwnership::Chown);
    // The defaults as nspawn: auto with pick, off otherwise; a later option wins.
    EXPECT_EQ(effective_ownership(parse({"--private-users=pick", "-D", "/x"})->userns), UserNsOwnership::Auto);
    EXPECT_EQ(effective_ownership(parse({"--private-users=1048576", "-D", "/x"})->userns), UserNsOwnership::Off);
    EXPECT_EQ(parse({"-U", "--private-users=no", "-D", "/x"})->userns.mode, UserNsMode::No);
    for (const char* bad : {"--private-users-ownership=", "--private-users-ownership=copy"}) {
        auto r = parse({bad, "-D", "/x"});
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_NE(r.error().message().find("Invalid --private-users-ownership"), std::string::npos);
        EXPECT_NE(r.error().message().find("off, chown, map or auto"), std::string::npos);
    }
    auto missing = parse({"-D", "/x", "--private-users"});
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message().find("--private-users"), std::string::npos);
    EXPECT_TRUE(parse({"-U", "--network-namespace-path=/run/netns/a", "-D", "/x"}).ok());
}

TEST(UserNsPlan, GivenAndTreeRanges) {
    auto none = plan_userns(UserNamespace{}, "m", 0, 0);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->enabled());
    auto fixed = plan_userns(users("1048576:1000"), "m", 0, 0);
    ASSERT_TRUE(fixed.ok());
    EXPECT_EQ(fixed->range, (IdRange{1048576, 1000}));
    EXPECT_EQ(fixed->ownership, UserNsOwnership::Off);
    auto identity = plan_userns(users("identity"), "m", 0, 0);
    EXPECT_EQ(identity->range, (IdRange{0, 65536}));
    auto yes = plan_userns(users("yes"), "m", 0x150000, 0x150000);
    ASSERT_TRUE(yes.ok());
    EXPECT_EQ(yes->range, (IdRange{0x150000, 65536}));
    for (auto [uid, gid] : {std::pair<uid_t, gid_t>{1000, 1000}, {0x150000, 0x160000}, {0x150001, 0x150001}}) {
        auto bad = plan_userns(users("yes"), "m", uid, gid);
        ASSERT_FALSE(bad.ok()) << uid << ":" << gid;
        EXPECT_NE(bad.error().message().find("--private-users=yes: the tree's root directory is owned by"),
                  std::string::npos);
    }
}

TEST(UserNsPlan, PickTriesTheTreesRangeThenAStableSlotOfTheName) {
    UserNamespace pick = users("pick");
    auto a = plan_userns(pick, "alpha", 0, 0);
    ASSERT_TRUE(a.ok());
    EXPECT_FALSE(a->range);
    EXPECT_FALSE(a->tree_base) << "a tree owned by 0 has no range of its own";
    EXPECT_EQ(a->ownership, UserNsOwnership::Auto);
    EXPECT_EQ(plan_userns(pick, "alpha", 0, 0)->pick_slot, a->pick_slot) << "not stable";
    std::set<uint32_t> slots;
    for (const char* n : {"alpha", "beta", "gamma", "delta", "epsilon"}) slots.insert(plan_userns(pick, n, 0, 0)->pick_slot);
    EXPECT_GE(slots.size(), 4u) << "names do not spread over the slots";
    EXPECT_EQ(plan_userns(pick, "alpha", 0x250000, 0x250000)->tree_base, 0x250000u);
    EXPECT_FALSE(plan_userns(pick, "alpha", 0x250000, 0x260000)->tree_base);
    EXPECT_FALSE(plan_userns(pick, "alpha", 0x70000000, 0x70000000)->tree_base) << "beyond the pick range";
    std::set<uint32_t> bases;
    for (uint32_t i = 0; i < kPickSlots; ++i) {
        IdRange r = pick_candidate(*a, i);
        ASSERT_EQ(r.base % 65536, 0u);
        ASSERT_GE(r.base, 0x00080000u);
        ASSERT_LT(r.base, 0x6FFF0000u);
        ASSERT_EQ(r.count, 65536u);
        bases.insert(r.base);
    }
    EXPECT_EQ(bases.size(), kPickSlots) << "pick does not try every slot once";
    EXPECT_EQ(pick_candidate(*a, 0).base, 0x00080000u + a->pick_slot * 65536u);
}

// An OCI bundle's several ID ranges: checked, ordered, written after the
// range, and what translates a container ID to the host's.
TEST(UserNsPlan, SeveralRanges) {
    UserNamespace u = users("1048576:1000");
    u.extra = {{5000, 0x300000, 10}, {1000, 0x200000, 1000}};
    auto p = plan_userns(u, "m", 0, 0);
    ASSERT_TRUE(p.ok()) << p.error().message();
    EXPECT_EQ(p->extra, (std::vector<IdMapExtent>{{1000, 0x200000, 1000}, {5000, 0x300000, 10}}));
    EXPECT_EQ(map_text(id_map_extents(1048576, 1000, {}, false, p->extra)),
              "0 1048576 1000\n1000 2097152 1000\n5000 3145728 10\n");
    EXPECT_EQ(host_id(*p->range, p->extra, 7), 1048576u + 7);
    EXPECT_EQ(host_id(*p->range, p->extra, 1500), 0x200000u + 500);
    EXPECT_EQ(host_id(*p->range, p->extra, 5009), 0x300000u + 9);
    for (auto [extra, message] : std::vector<std::pair<IdMapExtent, std::string>>{
             {{500, 0x200000, 10}, "several ID ranges: container IDs 500..509 overlap another range"},
             {{2000, 1048576 + 999, 1}, "several ID ranges: host IDs 1049575..1049575 overlap another range"},
             {{2000, 0x200000, 0}, "several ID ranges: 0 IDs from 2000 to 2097152 is not a range of IDs"}}) {
        UserNamespace bad = users("1048576:1000");
        bad.extra = {extra};
        auto r = plan_userns(bad, "m", 0, 0);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().message(), message);
    }
    u.ownership = UserNsOwnership::Chown;
    EXPECT_FALSE(plan_userns(u, "m", 0, 0).ok()) << "a shift to several ranges";
}

TEST(UserNsPlan, MapsAndShifts) {
    EXPECT_EQ(id_map_text({0x80000, 65536}), "0 524288 65536\n");
    EXPECT_EQ(shifted_id(1000, 0x80000), 0x80000u + 1000);
    EXPECT_EQ(shifted_id(0x90000 + 7, 0x80000), 0x80000u + 7) << "a shifted tree shifts to the new range";
    EXPECT_EQ(shifted_id(0x80000 + 7, 0), 7u) << "--private-users=0 shifts back";
    EXPECT_TRUE((IdRange{10, 5}).overlaps({14, 1}));
    EXPECT_FALSE((IdRange{10, 5}).overlaps({15, 1}));
    EXPECT_EQ(range_lock_path(524288), "/run/systemd/nspawn-uid/524288");
}

TEST(UserNsShift, AclAndCapabilityXattrs) {
    // Header, USER_OBJ, USER 1000, GROUP 5, MASK.
    uint32_t acl[] = {2, 0x00060001u, 0xffffffffu, 0x00060002u, 1000, 0x00040008u, 5, 0x00060010u, 0xffffffffu};
    std::string value(reinterpret_cast<const char*>(acl), sizeof acl);
    std::string out = shift_acl_xattr(value, 0x80000);
    uint32_t got[9];
    std::memcpy(got, out.data(), sizeof got);
    EXPECT_EQ(got[2], 0xffffffffu) << "USER_OBJ has no ID";
    EXPECT_EQ(got[4], 0x80000u + 1000);
    EXPECT_EQ(got[6], 0x80000u + 5);
    EXPECT_EQ(got[8], 0xffffffffu);
    uint32_t v2[5] = {0x02000001u, 1u << 13, 0, 0, 0};
    std::string caps = shift_caps_xattr(std::string(reinterpret_cast<const char*>(v2), sizeof v2), 0x80000);
    ASSERT_EQ(caps.size(), 24u);
    uint32_t v3[6];
    std::memcpy(v3, caps.data(), sizeof v3);
    EXPECT_EQ(v3[0], 0x03000001u) << "revision 3, effective bit kept";
    EXPECT_EQ(v3[1], 1u << 13);
    EXPECT_EQ(v3[5], 0x80000u);
    v3[5] = 0x90000 + 0;  // a v3 of another range: its root ID moves
    std::string again = shift_caps_xattr(std::string(reinterpret_cast<const char*>(v3), sizeof v3), 0x80000);
    std::memcpy(v3, again.data(), sizeof v3);
    EXPECT_EQ(v3[5], 0x80000u);
    EXPECT_EQ(shift_caps_xattr("junk", 0x80000), "junk");
}

// With a user namespace the outer child (host root) makes the tree, /dev
// and its nodes, the binds, and the host's /sys (locked read-only); the
// container mounts only the file systems of its own namespaces.
TEST(UserNsMounts, OuterAndInnerStepsAndTheHostsSysWithoutANetworkNamespace) {
    Config cfg;
    cfg.binds.push_back({"/srv", "/srv", true, true, "", BindIdmap::None});
    MountFacts facts;
    facts.cgroup = CgroupLayout::Hybrid;
    facts.userns = true;
    auto steps = plan_mounts(cfg, facts);
    std::set<std::string> inner, outer;
    for (const auto& s : steps) {
        (s.inner ? inner : outer).insert(describe(s));
        if ((s.kind == StepKind::MakeNode || s.kind == StepKind::MakeDir) && !s.in_cgroupns) {
            EXPECT_FALSE(s.inner) << describe(s);
        }
        if (s.target == "/sys") {
            EXPECT_EQ(s.kind, StepKind::Bind) << describe(s);
            EXPECT_FALSE(s.inner);
            EXPECT_TRUE(s.read_only);
            EXPECT_TRUE(s.flags & MS_REC);
        }
        const bool own_fs = s.kind == StepKind::Mount && (s.fstype == "proc" || s.fstype == "devpts" ||
                                                          s.fstype == "mqueue" || s.target == "/dev/shm");
        if (own_fs || s.in_cgroupns || (s.source_in_root && s.target.starts_with("/proc/"))) {
            EXPECT_TRUE(s.inner) << describe(s);
        }
        if (s.target == "/srv" || s.target == "/run" || s.target == "/tmp" || s.target == "/dev") {
            EXPECT_FALSE(s.inner) << describe(s);
        }
    }
    EXPECT_EQ(userns_part(steps, true).size() + userns_part(steps, false).size() + plan_part(steps, true).size(), steps.size());
    for (const auto& s : plan_mounts(cfg, MountFacts{})) EXPECT_FALSE(s.inner) << "no user namespace: one child does all";
    cfg.net.netns_path = "/run/netns/a";  // joined: the host's user namespace's, no sysfs of its own
    for (const auto& s : plan_mounts(cfg, facts)) {
        if (s.target == "/sys") {
            EXPECT_EQ(s.kind, StepKind::Bind) << describe(s);
        }
    }
    cfg.net.netns_path.clear();
    cfg.net.private_network = true;
    for (const auto& s : plan_mounts(cfg, facts))
        if (s.target == "/sys") {
            EXPECT_EQ(s.kind, StepKind::Mount) << "a private network gets its own sysfs";
        }
    facts.tty_group_mapped = false;
    for (const auto& s : plan_mounts(cfg, facts))
        if (s.fstype == "devpts") {
            EXPECT_EQ(s.data.find("gid=5"), std::string::npos) << s.data;
        }
}

TEST(UserNsBindUser, MapsCarveTheUsersOutOfTheRange) {
    BoundUser a{"alice", 1000, 1001, "alice", "", "/home/alice", "/bin/sh", 60514};
    BoundUser b{"bob", 1002, 1003, "bob", "", "/home/bob", "/bin/sh", 60515};
    EXPECT_EQ(map_text(id_map_extents(0x80000, 65536, {}, false)), "0 524288 65536\n");
    EXPECT_EQ(map_text(id_map_extents(0x80000, 65536, {a, b}, false)),
              "0 524288 60514\n60514 1000 1\n60515 1002 1\n60516 584804 5020\n");
    EXPECT_EQ(map_text(id_map_extents(0x80000, 65536, {b, a}, true)),
              "0 524288 60514\n60514 1001 1\n60515 1003 1\n60516 584804 5020\n");
    // A range too small for the bound IDs: they are not mapped (nothing to carve).
    EXPECT_EQ(map_text(id_map_extents(0x80000, 1000, {a}, false)), "0 524288 1000\n");
}

TEST(UserNsBindUser, UserdbRecords) {
    BoundUser a{"al\"ice", 1000, 1001, "staff", "Alice A", "/home/alice", "/bin/bash", 60514};
    auto recs = userdb_records({a});
    ASSERT_EQ(recs.size(), 4u);
    EXPECT_EQ(recs[0].first, "al\"ice.user");
    EXPECT_EQ(recs[1].first, "60514.user");
    EXPECT_EQ(recs[2].first, "staff.group");
    EXPECT_EQ(recs[3].first, "60514.group");
    EXPECT_EQ(recs[0].second,
              "{\"userName\":\"al\\\"ice\",\"uid\":60514,\"gid\":60514,\"realName\":\"Alice A\","
              "\"homeDirectory\":\"/run/host/home/al\\\"ice\",\"shell\":\"/bin/bash\",\"disposition\":\"regular\","
              "\"service\":\"io.systemd.NSpawn\"}\n");
    EXPECT_EQ(recs[2].second, "{\"groupName\":\"staff\",\"gid\":60514,\"service\":\"io.systemd.NSpawn\"}\n");
}

TEST(UserNsBindUser, OptionChecks) {
    auto ok = parse({"-U", "--bind-user=alice", "--bind-user=bob", "-D", "/x"});
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->bind_users, (std::vector<std::string>{"alice", "bob"}));
    for (const char* bad : {"--bind-user=", "--bind-user=a/b", "--bind-user=a:b", "--bind-user=-x"}) {
        auto r = parse({"-U", bad, "-D", "/x"});
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_NE(r.error().message().find("Invalid --bind-user"), std::string::npos) << r.error().message();
    }
    auto no_userns = parse({"--bind-user=alice", "-D", "/x"});
    ASSERT_FALSE(no_userns.ok());
    EXPECT_EQ(no_userns.error().message(), "--bind-user needs a user namespace (-U or --private-users)");
    auto identity = parse({"--private-users=identity", "--bind-user=alice", "-D", "/x"});
    ASSERT_FALSE(identity.ok());
    EXPECT_NE(identity.error().message().find("identity"), std::string::npos);
}
