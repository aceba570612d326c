// SPDX-License-Identifier: BSD-2-Clause
// ReferenceMap: the kvm_pgtable contract per op, and first_mismatch over address classes against a
// page-by-page comparison of random tables.
#include "kernel/reference_map.h"

#include <algorithm>
#include <array>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "kernel/kernel_call.h"
#include "tests/kernel/plain_reference_map.h"
#include "pagetable/npt_image.h"

namespace ptx::kernel {
namespace {

constexpr uint64_t kPage = 4096, k2M = uint64_t{2} << 20, k1G = uint64_t{1} << 30;
constexpr uint32_t kRw = kProtR | kProtW;

TEST(ReferenceMap, MapOverPagesIsOneBlockAndAPageInsideABlockIsAloneInItsTable) {
  ReferenceMap r;
  r.apply_map(0x40000000, kPage, 0x80000000, kRw);
  r.apply_map(0x40001000, kPage, 0x80001000, kRw);
  r.apply_map(0x40000000, k2M, 0x90000000, kRw | kProtX);  // THP collapse: the table goes
  ASSERT_EQ(r.leaves(), 1u);
  EXPECT_EQ(r.leaf_at(0x40001000)->at(0x40001000).oa, 0x90001000u);
  r.apply_map(0x40003000, kPage, 0x90003000, kRw);  // a page inside the block: the block goes
  EXPECT_FALSE(r.leaf_at(0x40001000).has_value());
  ASSERT_TRUE(r.leaf_at(0x40003000).has_value());
  EXPECT_EQ(r.leaf_at(0x40003000)->size, kPage);
}

TEST(ReferenceMap, PermissionsOnlyChangeThroughRelax) {
  ReferenceMap r;
  r.apply_map(0x40000000, kPage, 0x80000000, kProtR);
  r.apply_map(0x40000000, kPage, 0x80000000, kRw);  // -EAGAIN: permissions only
  EXPECT_FALSE(r.leaf_at(0x40000000)->w);
  r.apply_relax(0x40000000, kProtW | kProtX);
  EXPECT_TRUE(r.leaf_at(0x40000000)->w);
  EXPECT_TRUE(r.leaf_at(0x40000000)->x);
  r.apply_relax(0x40000000, kProtR);  // nothing is taken away
  EXPECT_TRUE(r.leaf_at(0x40000000)->w);
  r.apply_map(0x40000000, kPage, 0x80005000, kRw);  // another output: replaced
  EXPECT_EQ(r.leaf_at(0x40000000)->oa, 0x80005000u);
}

TEST(ReferenceMap, UnmapWrprotectAgeAndSplitWorkOnWholeLeaves) {
  ReferenceMap r;
  r.apply_map(0x40000000, k2M, 0x80000000, kRw);
  r.apply_map(0x40200000, kPage, 0x90000000, kRw);
  r.apply_wrprotect(0x40100000, 0x40201000);  // meets both
  EXPECT_FALSE(r.leaf_at(0x40000000)->w);
  EXPECT_FALSE(r.leaf_at(0x40200000)->w);
  r.apply_young(0x401ff000, 0x40200000, false);
  EXPECT_FALSE(r.leaf_at(0x40000000)->young);
  r.apply_split(0x40000000, 0x40001000);
  ASSERT_TRUE(r.leaf_at(0x401ff000).has_value());
  EXPECT_EQ(r.leaf_at(0x401ff000)->size, kPage);
  EXPECT_EQ(r.leaf_at(0x401ff000)->at(0x401ff000).oa, 0x801ff000u);
  EXPECT_TRUE(r.leaf_at(0x401ff000)->young);   // create_unlinked sets the access flag
  EXPECT_FALSE(r.leaf_at(0x401ff000)->w);
  r.apply_map(0x80000000, k1G, 0xc0000000, kRw);
  r.apply_split(0x80000000, 0x80000000 + kPage);
  EXPECT_EQ(r.leaf_at(0x80200000)->size, k2M);  // 1 GiB -> 2 MiB blocks
  r.apply_unmap(0x80201000, 0x80202000);        // any page of a block: the whole block
  EXPECT_FALSE(r.leaf_at(0x80200000).has_value());
  EXPECT_TRUE(r.leaf_at(0x80000000).has_value());
}

// widen (two lookups) against the plain widening over every leaf meeting the range, on random
// maps of pages, 2 MiB and 1 GiB blocks and random ranges.
TEST(ReferenceMap, WidenEqualsTheLeavesMeetingTheRange) {
  std::mt19937_64 rng(18);
  for (int round = 0; round < 200; ++round) {
    ReferenceMap r;
    for (int i = 0; i < 40; ++i) {
      const uint64_t size = std::array<uint64_t, 3>{kPage, k2M, k1G}[rng() % 3];
      const uint64_t ipa = (rng() % (uint64_t{4} << 30)) & ~(size - 1);
      r.apply_map(ipa, size, (rng() % (uint64_t{1} << 40)) & ~(size - 1), kRw);
    }
    for (int q = 0; q < 50; ++q) {
      const uint64_t size = std::array<uint64_t, 3>{kPage, k2M, k1G}[rng() % 3] * (1 + rng() % 3);
      const uint64_t begin = (rng() % (uint64_t{4} << 30)) & ~(kPage - 1), end = begin + size;
      std::pair<uint64_t, uint64_t> want{begin, end};
      for (const RefLeaf& l : r.leaves_in(begin, end)) {
        want.first = std::min(want.first, l.ipa);
        want.second = std::max(want.second, l.ipa + l.size);
      }
      ASSERT_EQ(r.widen(begin, end), want) << "round " << round << " range " << begin << ".." << end;
    }
  }
}

bool same(const RefLeaf& a, const RefLeaf& b) {
  return a.ipa == b.ipa && a.size == b.size && a.oa == b.oa && a.r == b.r && a.w == b.w && a.x == b.x &&
         a.device == b.device && a.young == b.young;
}

std::string text(const std::vector<RefLeaf>& v) {
  std::string s;
  for (const RefLeaf& l : v) s += fmt::format("[{:#x}+{:#x} -> {:#x} {}{}{}{}{}] ", l.ipa, l.size, l.oa, l.r, l.w, l.x, l.device, l.young);
  return s;
}

// ReferenceMap (slots per GiB) against the plain ordered map, on random ops of every kind over
// 3 GiB with leaves of all three sizes, ranges that cross slot and GiB boundaries, and splits:
// after each op the same leaves in the whole space, at random IPAs and in random ranges.
TEST(ReferenceMap, SlotsEqualThePlainMapOfLeaves) {
  std::mt19937_64 rng(2026);
  const std::array<uint64_t, 3> sizes{kPage, k2M, k1G};
  const auto ipa_in = [&](uint64_t align) { return (rng() % (uint64_t{3} << 30)) & ~(align - 1); };
  const auto range_size = [&] { return std::array<uint64_t, 4>{kPage, 37 * kPage, 3 * k2M + 5 * kPage, k1G}[rng() % 4]; };
  for (int round = 0; round < 30; ++round) {
    ReferenceMap fast;
    testing::PlainReferenceMap plain;
    for (int step = 0; step < 250; ++step) {
      const uint64_t r = rng() % 100;
      const uint64_t size = sizes[r < 55 ? 0 : r < 90 ? 1 : 2];
      const uint64_t ipa = ipa_in(kPage), begin = ipa_in(kPage), end = begin + range_size();
      const uint64_t pa = (rng() % (uint64_t{1} << 40)) & ~(size - 1);
      const uint32_t prot = static_cast<uint32_t>(rng() % 16);
      const bool young = rng() % 2 == 0;
      switch (rng() % 8) {
        case 0: case 1: case 2: fast.apply_map(ipa, size, pa, prot); plain.apply_map(ipa, size, pa, prot); break;
        case 3: fast.apply_relax(ipa, prot); plain.apply_relax(ipa, prot); break;
        case 4: fast.apply_unmap(begin, end); plain.apply_unmap(begin, end); break;
        case 5: fast.apply_wrprotect(begin, end); plain.apply_wrprotect(begin, end); break;
        case 6: fast.apply_young(begin, end, young); plain.apply_young(begin, end, young); break;
        default: fast.apply_split(begin, std::min(end, begin + 4 * k2M)); plain.apply_split(begin, std::min(end, begin + 4 * k2M));
      }
      const uint64_t all = uint64_t{4} << 30;
      const std::vector<RefLeaf> want = plain.leaves_in(0, all), got = fast.leaves_in(0, all);
      ASSERT_EQ(fast.leaves(), plain.leaves()) << "round " << round << " step " << step;
      ASSERT_TRUE(std::equal(want.begin(), want.end(), got.begin(), got.end(), same))
          << "round " << round << " step " << step << "\nwant " << text(want) << "\ngot  " << text(got);
      const std::vector<RefLeaf> w2 = plain.leaves_in(begin, end), g2 = fast.leaves_in(begin, end);
      ASSERT_TRUE(std::equal(w2.begin(), w2.end(), g2.begin(), g2.end(), same)) << "range " << begin << ".." << end;
      const RefLeaf* lw = plain.leaf_at(ipa);
      const std::optional<RefLeaf> lg = fast.leaf_at(ipa);
      ASSERT_EQ(lw == nullptr, !lg.has_value()) << ipa;
      if (lw != nullptr) {
        ASSERT_TRUE(same(*lw, *lg)) << ipa;
      }
    }
  }
}

TEST(KernelCall, ARemapIsTheNotifiersUnmapThenTheFault) {
  ReferenceMap r;
  r.apply_map(0x40000000, kPage, 0x80000000, kProtR);
  workload::WorkloadOp op;
  op.ipa = 0x40000000;
  op.level = 3;
  op.descriptor = 0x90000000 | 0x7ff;  // another page
  const std::optional<RefLeaf> at = r.leaf_at(op.ipa);
  const std::vector<ptx_k_call> calls = calls_of(op, at, {});
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].kind, uint32_t{PTX_K_UNMAP});
  EXPECT_EQ(calls[1].kind, uint32_t{PTX_K_FAULT});
  EXPECT_EQ(calls[1].pa, 0x90000000u);
  EXPECT_EQ(calls[1].prot, kProtR | kProtW | kProtX);
  op.descriptor = 0x80000000 | 0x7ff;  // the same page, more permissions: a permission fault
  ASSERT_EQ(calls_of(op, at, {{0x40000000, 0x40001000}}).size(), 1u);
  EXPECT_EQ(calls_of(op, at, {{0x40000000, 0x40001000}})[0].logging, 1u);
  EXPECT_EQ(calls_of(op, std::nullopt, {}).size(), 1u);  // nothing mapped: the fault alone
}

// Random tables over 8 MiB (four 2 MiB regions: blocks, page tables, empty) and a reference that
// is the table's own mapping with random changes: first_mismatch equals the first page at which a
// page-by-page comparison differs.
struct Fixture {
  NptImage img{Geometry::arm(), 0x10000};
  ReferenceMap ref;
  std::mt19937_64 rng;
  explicit Fixture(uint64_t seed) : rng(seed) {
    img.write(0, 0x10000, 0x11003);  // L0[0] -> L1
    img.write(0, 0x11000, 0x12003);  // L1[0] -> L2 (IPA 0..1 GiB)
    for (uint64_t r = 0; r < 4; ++r) region(r);
  }
  uint64_t pick(uint64_t n) { return rng() % n; }
  void region(uint64_t r) {
    const uint64_t ipa = r * k2M, kind = pick(3);
    if (kind == 0) return;
    if (kind == 1) {
      img.write(0, 0x12000 + 8 * r, (0x80000000 + ipa) | 0x7c5 | (pick(2) ? 0 : 0x80));
      return;
    }
    const uint64_t l3 = 0x20000 + r * kPage;
    img.write(0, 0x12000 + 8 * r, l3 | 3);
    for (uint64_t i = 0; i < 512; ++i) {
      if (pick(4) == 0) img.write(0, l3 + 8 * i, (0x90000000 + ipa + i * kPage) | 0x7c7 | (pick(2) ? 0 : 0x80));
    }
  }
};

Translation page_of(const NptImage& img, uint64_t page) {
  uint64_t table = 0x10000;
  for (int level = 0; level < 4; ++level) {
    const uint64_t d = img.read(0, table + ((page >> (12 + 9 * (3 - level))) & 511) * 8);
    if ((d & 1) == 0) return {};
    if (level < 3 && (d & 2)) {
      table = d & 0xfffffffff000;
      continue;
    }
    return translation_of(d, level, page);
  }
  return {};
}

TEST(ReferenceMap, FirstMismatchOverClassesEqualsPageByPage) {
  for (uint64_t seed = 0; seed < 300; ++seed) {
    Fixture f(seed);
    const Tables t(f.img, 0x10000, Geometry::arm());
    for (uint64_t p = 0; p < 4 * k2M; p += kPage) {  // the reference: the table's own mapping...
      const Translation x = page_of(f.img, p);
      const uint32_t prot = (x.r ? kProtR : 0) | (x.w ? kProtW : 0) | (x.x ? kProtX : 0) | (x.device ? kProtDevice : 0);
      if (x.mapped) f.ref.apply_map(p, kPage, x.oa, prot);
    }
    EXPECT_FALSE(first_mismatch(t, f.ref, 0, 4 * k2M).has_value()) << seed;
    for (int k = 0; k < 3; ++k) {  // ...then changed
      const uint64_t ipa = f.pick(4 * k2M / kPage) * kPage;
      if (f.pick(2)) {
        f.ref.apply_unmap(ipa, ipa + kPage);
      } else {
        f.ref.apply_map(ipa, kPage, 0xa0000000, kRw);
      }
    }
    std::optional<uint64_t> want;
    for (uint64_t p = 0; p < 4 * k2M && !want; p += kPage) {
      const std::optional<RefLeaf> l = f.ref.leaf_at(p);
      if (!(page_of(f.img, p) == (l ? l->at(p) : Translation{}))) want = p;
    }
    const std::optional<Mismatch> got = first_mismatch(t, f.ref, 0, 4 * k2M);
    ASSERT_EQ(got.has_value(), want.has_value()) << seed;
    if (got) {
      EXPECT_EQ(got->ipa, *want) << seed;
    }
  }
}

}  // namespace
}  // namespace ptx::kernel
