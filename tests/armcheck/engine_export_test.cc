// SPDX-License-Identifier: BSD-2-Clause
// EngineExporter: engine sections as casemate events (the VM's prelude, the pages it links, lock,
// release writes, dsb ish, unlock), the text it writes, the descriptor compatibility it relies on
// (SeKVM's rules and the Arm rules read the engine's descriptors alike), and the agreement of the
// two paths: the events checked by EventChecker give the verdicts explore() gives on the engine's
// own sections.
#include "armcheck/engine_export.h"

#include <sstream>

#include <gtest/gtest.h>

#include "explorer/explorer.h"
#include "explorer/section_checker.h"
#include "pagetable/engine.h"
#include "pagetable/npt_image.h"
#include "tests/armcheck/check_util.h"
#include "workload/s2_descriptor.h"

namespace ptx::armcheck {
namespace {

using armtrace::Event;
using armtrace::EventKind;

constexpr uint64_t kIpa = 0x40000000;
constexpr uint64_t kPage = 0x80000000 | 0x7ff;

// Runs one critical section of `vm` making `ops` (ipa, level, descriptor) on `engine`.
Section section(Stage2Engine& engine, uint32_t vm, const std::vector<MapOp>& ops) {
  CriticalSection cs;
  EXPECT_EQ(engine.open_section(vm, &cs), NptError::kOk);
  for (const MapOp& op : ops) EXPECT_EQ(cs.set_npt(op.ipa, op.level, op.descriptor), NptError::kOk);
  return cs.close();
}

std::vector<EventKind> kinds(const std::vector<Event>& events) {
  std::vector<EventKind> out;
  for (const Event& e : events) out.push_back(e.kind);
  return out;
}

TEST(EngineExportTest, AVmsFirstSectionCarriesItsPreludeAndThePagesItLinks) {
  Stage2Engine engine;
  EngineExporter x({.tid = 2});
  std::vector<Event> ev;
  ASSERT_TRUE(x.add(section(engine, 1, {{kIpa, 3, kPage}}), &ev).ok());
  using K = EventKind;
  EXPECT_EQ(kinds(ev), (std::vector<K>{K::kMemInit, K::kHint, K::kSysregWrite, K::kMemInit, K::kMemInit, K::kMemInit,
                                       K::kLock, K::kMemWrite, K::kMemWrite, K::kMemWrite, K::kMemWrite,
                                       K::kBarrier, K::kUnlock}));
  EXPECT_EQ(ev[0].address, pool_start(1));
  EXPECT_EQ(ev[0].size, PAGE_SIZE);
  EXPECT_EQ(ev[1].hint_kind, armtrace::HintKind::kSetRootLock);
  EXPECT_EQ(ev[1].value, engine_lock(1));
  EXPECT_EQ(ev[2].sysreg, armtrace::Sysreg::kVttbrEl2);
  EXPECT_EQ(ev[2].value, pool_start(1) | (uint64_t{1} << 48));
  EXPECT_EQ((std::vector<uint64_t>{ev[3].address, ev[4].address, ev[5].address}),
            (std::vector<uint64_t>{pgd_start(1), pud_start(1), pmd_start(1)}));
  EXPECT_EQ(ev[6].address, 0x1001u);
  EXPECT_EQ(ev[7].address, pool_start(1) | pgd_index(kIpa) * 8);
  EXPECT_EQ(ev[7].value, pgd_start(1) | 3);  // a table: page | 3
  EXPECT_EQ(ev[10].value, kPage);
  EXPECT_EQ(ev[11].dsb_kind, armtrace::DsbKind::kIsh);
  for (size_t i = 0; i < ev.size(); ++i) {
    EXPECT_EQ(ev[i].id, i + 1);
    EXPECT_EQ(ev[i].tid, 2u);
    EXPECT_EQ(ev[i].src, "engine:0");
    EXPECT_TRUE(armtrace::validate_event(ev[i]).ok()) << i;
    const auto order = ev[i].kind == K::kMemWrite ? armtrace::MemOrder::kRelease : armtrace::MemOrder::kPlain;
    EXPECT_EQ(ev[i].mem_order, order) << i;  // unused members keep their defaults
  }
  // The next section of the VM reuses its tables: no prelude, no mem-init.
  ev.clear();
  ASSERT_TRUE(x.add(section(engine, 1, {{kIpa + 0x1000, 3, kPage + 0x1000}}), &ev).ok());
  EXPECT_EQ(kinds(ev), (std::vector<K>{K::kLock, K::kMemWrite, K::kBarrier, K::kUnlock}));
  EXPECT_EQ(ev[0].src, "engine:1");
  EXPECT_EQ(ev[0].id, 14u);
  EXPECT_EQ(x.events(), 17u);
  // Another VM gets its own prelude and lock.
  ev.clear();
  ASSERT_TRUE(x.add(section(engine, 3, {{kIpa, 2, 0xc0000000 | 0x7fd}}), &ev).ok());
  EXPECT_EQ(ev.size(), 3u + 2u + 1u + 3u + 2u);  // prelude, 2 pages, lock, 3 writes, dsb, unlock
  EXPECT_EQ(ev[2].value, pt_vttbr(3));
  EXPECT_EQ(ev[5].address, engine_lock(3));
  // Back to VM 1: its VTTBR is loaded again before the section, so its TLBIs carry VMID 1.
  ev.clear();
  ASSERT_TRUE(x.add(section(engine, 1, {{kIpa + 0x2000, 3, kPage + 0x2000}}), &ev).ok());
  EXPECT_EQ(kinds(ev), (std::vector<K>{K::kSysregWrite, K::kLock, K::kMemWrite, K::kBarrier, K::kUnlock}));
  EXPECT_EQ(ev[0].sysreg, armtrace::Sysreg::kVttbrEl2);
  EXPECT_EQ(ev[0].value, pt_vttbr(1));
  ev.clear();  // and not again while it stays loaded
  ASSERT_TRUE(x.add(section(engine, 1, {{kIpa + 0x3000, 3, kPage + 0x3000}}), &ev).ok());
  EXPECT_EQ(kinds(ev), (std::vector<K>{K::kLock, K::kMemWrite, K::kBarrier, K::kUnlock}));
}

TEST(EngineExportTest, TheWriterPrintsOneKeyedRecordPerLine) {
  Stage2Engine engine;
  std::ostringstream out;
  EngineCasemateWriter w(out);
  ASSERT_TRUE(w.add(section(engine, 1, {{kIpa, 3, kPage}})).ok());
  EXPECT_EQ(w.records(), 13u);
  std::istringstream in(out.str());
  std::string first, second, third;
  std::getline(in, first);
  std::getline(in, second);
  std::getline(in, third);
  EXPECT_EQ(first, "(mem-init (id 1) (tid 0) (address 2010000) (size 1000) (src \"engine:0\"))");
  EXPECT_EQ(second, "(hint (id 2) (tid 0) (kind set_root_lock) (location 2010000) (value 1001) (src \"engine:0\"))");
  EXPECT_EQ(third, "(sysreg-write (id 3) (tid 0) (sysreg vttbr_el2) (value 1000002010000) (src \"engine:0\"))");
  EXPECT_NE(out.str().find("(mem-write (id 8) (tid 0) (mem-order release) (address 2010000) (value 2011003)"),
            std::string::npos);
}

// The engine writes tables page|3 at levels 0-2, pages ...|0b11 at level 3 and blocks ...|0b01 at
// level 2 (workload/s2_descriptor.h): the same entries under both descriptor rule sets.
TEST(EngineExportTest, EngineDescriptorsMeanTheSameUnderSekvmAndArmRules) {
  constexpr Geometry sekvm = Geometry::sekvm(), arm = Geometry::arm(0);
  for (int level = 0; level < 3; ++level) {
    EXPECT_EQ(sekvm.classify(level, pud_start(1) | 3), EntryType::kTable);
    EXPECT_EQ(arm.classify(level, pud_start(1) | 3), EntryType::kTable);
  }
  using workload::S2Access, workload::S2Memory;
  for (S2Memory m : {S2Memory::kNormal, S2Memory::kDevice}) {
    for (S2Access a : {S2Access::kReadOnly, S2Access::kReadWrite}) {
      for (bool x : {false, true}) {
        const uint64_t page = workload::s2_descriptor(0x1234000, 3, {m, a, x});
        const uint64_t block = workload::s2_descriptor(0x40000000, 2, {m, a, x});
        EXPECT_EQ(sekvm.classify(3, page), EntryType::kPage);
        EXPECT_EQ(arm.classify(3, page), EntryType::kPage);
        EXPECT_EQ(sekvm.classify(2, block), EntryType::kBlock);
        EXPECT_EQ(arm.classify(2, block), EntryType::kBlock);
      }
    }
  }
  // A descriptor SeKVM maps and Arm does not is refused, naming the update.
  Stage2Engine engine(SectionPolicy::kBatched);
  const Section s = section(engine, 1, {{kIpa, 3, kPage}, {kIpa + 0x1000, 3, 0x90001000}});
  const Status st = check_arm_compatible(s);
  EXPECT_EQ(st.code(), StatusCode::kBadInput);
  EXPECT_EQ(st.message().rfind("vmid 1 seq 0: update 4 writes 0x90001000 at level 3: a page under SeKVM's", 0), 0u)
      << st.message();
  std::vector<Event> ev;
  EXPECT_EQ(EngineExporter().add(s, &ev), st);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(check_arm_compatible(section(engine, 1, {{kIpa + 0x200000, 2, 0x80000002}})).code(), StatusCode::kBadInput);
}

// Engine sections of two VMs, batched: fresh tables, a block, a page remapped twice in one
// section (a wrong translation), a batch into an existing table, a page beside a block and the
// block remapped, a page in a fresh level-1 subtree with one in an existing table.
std::vector<Section> engine_sections(Stage2Engine& engine) {
  std::vector<Section> out;
  out.push_back(section(engine, 1, {{kIpa, 3, kPage}}));
  out.push_back(section(engine, 2, {{kIpa, 2, 0xc0000000 | 0x7fd}}));
  out.push_back(section(engine, 1, {{kIpa, 3, kPage + 0x10000}, {kIpa, 3, kPage + 0x20000}}));
  out.push_back(section(engine, 1, {{kIpa + 0x1000, 3, kPage + 0x1000}, {kIpa + 0x2000, 3, kPage + 0x2000}}));
  out.push_back(section(engine, 2, {{kIpa + 0x200000, 3, kPage}, {kIpa, 2, 0xc0200000 | 0x7fd}}));
  out.push_back(section(engine, 1, {{uint64_t{1} << 39, 3, kPage}, {kIpa + 0x3000, 3, kPage + 0x3000}}));
  return out;
}

TEST(EngineExportTest, TheArmPathGivesTheEnginePathsVerdicts) {
  Stage2Engine engine(SectionPolicy::kBatched);
  const std::vector<Section> sections = engine_sections(engine);
  // The engine path: each VM's sections explored in order on its shadow (SectionChecker), cut at
  // their barriers (the DSBs of the flush after a remap).
  SectionChecker engine_checker(ExploreOptions{.parallel = false});
  Totals engine_totals;
  std::vector<Exploration> engine_x;
  for (const Section& s : sections) {
    engine_x.emplace_back();
    ASSERT_TRUE(engine_checker.check(s, &engine_x.back()).ok());
    engine_totals.add(s, engine_x.back());
  }
  // The Arm path.
  EngineExporter x;
  EventChecker checker("engine.trace", testing::keep_all());
  for (const Section& s : sections) {
    std::vector<Event> ev;
    ASSERT_TRUE(x.add(s, &ev).ok());
    for (const Event& e : ev) ASSERT_TRUE(checker.add(e).ok());
  }
  const StatusOr<CheckResult> r = checker.finish({}, x.events());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->totals.sections, engine_totals.sections);
  EXPECT_EQ(r->totals.updates, engine_totals.updates);
  EXPECT_EQ(r->totals.sequences, engine_totals.sequences);
  EXPECT_EQ(r->totals.address_classes, engine_totals.address_classes);
  EXPECT_EQ(r->totals.violations, engine_totals.violations);
  EXPECT_EQ(r->totals.violating_sections, engine_totals.violating_sections);
  EXPECT_EQ(r->totals.transient_faults, engine_totals.transient_faults);
  EXPECT_EQ(r->totals.wrong_translations, engine_totals.wrong_translations);
  EXPECT_EQ(r->totals.wrong_translations, 1u);  // the remap
  EXPECT_TRUE(r->findings.empty());
  ASSERT_EQ(r->kept.size(), sections.size());  // each section changes its VM's root only
  for (size_t i = 0; i < sections.size(); ++i) {
    EXPECT_EQ(r->kept[i].exploration.violations, engine_x[i].violations) << i;
    EXPECT_EQ(r->kept[i].context->root, pool_start(sections[i].vmid));
    EXPECT_EQ(r->kept[i].section.vmid, sections[i].vmid);
    std::vector<uint32_t> barriers = sections[i].barriers;
    barriers.push_back(static_cast<uint32_t>(sections[i].updates.size()));
    EXPECT_EQ(r->kept[i].context->barriers, barriers) << i;
  }
}

}  // namespace
}  // namespace ptx::armcheck
