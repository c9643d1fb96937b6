// Which partition of a disk image goes where (disk/dps.hpp): the
// Discoverable Partitions Specification as systemd-nspawn 252 applies it.
#include <gtest/gtest.h>

#include "disk/dps.hpp"

using namespace spawn::disk;

namespace {

constexpr uint64_t MiB = 1 << 20;

Partition part(int n, const char* type, uint64_t mib_at, uint64_t mib, const char* fs = "ext4", uint64_t flags = 0) {
    return Partition{n, type, mib_at * MiB, mib * MiB, flags, fs};
}

ProbedImage gpt(std::vector<Partition> parts) {
    ProbedImage i;
    i.size = 1024 * MiB;
    i.table = "gpt";
    i.partitions = std::move(parts);
    return i;
}

std::vector<std::string> targets(const std::vector<ImageMount>& m) {
    std::vector<std::string> out;
    for (const auto& x : m) out.push_back(x.target);
    return out;
}

std::string error(const ProbedImage& i, bool vfat = true) {
    auto r = plan_image_mounts(i, "/x.raw", vfat, false);
    return r ? "" : r.error().message();
}

}  // namespace

TEST(Dps, RootFirstThenTheOthersWhereTheSpecificationPutsThem) {
    auto img = gpt({part(1, kEsp, 1, 64, "vfat"), part(2, kHome, 65, 10), part(3, kRootX86_64, 75, 100),
                    part(4, kVar, 175, 10), part(5, kTmp, 185, 10), part(6, kSwap, 195, 10, ""), part(7, kSrv, 205, 10),
                    part(8, kUsrX86_64, 215, 100)});
    auto m = plan_image_mounts(img, "/x.raw", true, false);
    ASSERT_TRUE(m) << m.error().message();
    EXPECT_EQ(targets(*m), (std::vector<std::string>{"/", "/usr", "/home", "/srv", "/var", "/var/tmp", "/boot"}));
    EXPECT_EQ((*m)[0].offset, 75 * MiB);
    EXPECT_EQ((*m)[0].size, 100 * MiB);
    EXPECT_EQ(targets(*plan_image_mounts(img, "/x.raw", true, true)).back(), "/efi") << "the root has /efi";
    EXPECT_EQ(targets(*plan_image_mounts(img, "/x.raw", false, false)).back(), "/var/tmp") << "no vfat: no ESP";
    img.partitions.push_back(part(9, kXbootldr, 400, 10, "vfat"));
    auto both = plan_image_mounts(img, "/x.raw", true, false);
    ASSERT_TRUE(both);
    EXPECT_EQ(targets(*both), (std::vector<std::string>{"/", "/usr", "/home", "/srv", "/var", "/var/tmp", "/boot", "/efi"}));
}

TEST(Dps, FlagsAndFallbacks) {
    auto ro = plan_image_mounts(gpt({part(1, kRootX86_64, 1, 10, "ext4", kFlagReadOnly)}), "/x.raw", true, false);
    ASSERT_TRUE(ro);
    EXPECT_TRUE((*ro)[0].read_only);
    // no-auto partitions are not mounted; one Linux data partition is the root.
    auto generic = plan_image_mounts(gpt({part(1, kLinuxGeneric, 1, 10), part(2, kHome, 11, 10, "ext4", kFlagNoAuto)}),
                                     "/x.raw", true, false);
    ASSERT_TRUE(generic);
    EXPECT_EQ(targets(*generic), std::vector<std::string>{"/"});
    ProbedImage bare;
    bare.size = 64 * MiB;
    bare.fstype = "squashfs";
    auto whole = plan_image_mounts(bare, "/x.raw", true, false);
    ASSERT_TRUE(whole);
    EXPECT_EQ((*whole)[0].fstype, "squashfs");
    EXPECT_EQ((*whole)[0].size, 64 * MiB);
}

TEST(Dps, WhatCannotBeBootedIsOneLineNamingTheImage) {
    EXPECT_EQ(error(gpt({part(1, kHome, 1, 10)})),
              "Disk image /x.raw: no root partition for x86-64 (and not one Linux data partition)");
    EXPECT_EQ(error(gpt({part(1, kLinuxGeneric, 1, 10), part(2, kLinuxGeneric, 11, 10)})),
              "Disk image /x.raw: no root partition for x86-64 (and not one Linux data partition)");
    EXPECT_EQ(error(gpt({part(1, kRootX86_64, 1, 10), part(2, kRootX86_64, 11, 10)})),
              "Disk image /x.raw: more than one root partition for x86-64");
    EXPECT_EQ(error(gpt({part(1, kRootX86_64, 1000, 100)})),
              "Disk image /x.raw: partition 1 ends past the end of the image (truncated?)");
    EXPECT_EQ(error(gpt({part(1, kRootX86_64, 1, 10, "")})),
              "Disk image /x.raw: partition 1 (/) holds no file system spawn can recognize");
    ProbedImage dos = gpt({});
    dos.table = "dos";
    EXPECT_EQ(error(dos), "Disk image /x.raw: a dos partition table; spawn reads GPT disk images only");
    ProbedImage nothing;
    nothing.size = MiB;
    EXPECT_EQ(error(nothing), "Disk image /x.raw: neither a partition table nor a file system found");
}
