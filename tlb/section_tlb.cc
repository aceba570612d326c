// SPDX-License-Identifier: BSD-2-Clause
#include "tlb/section_tlb.h"

#include <algorithm>
#include <optional>

#include "armcheck/engine_export.h"
#include "armcheck/memory_range.h"
#include "armcheck/roots.h"
#include "pagetable/constants.h"
#include "tlb/tlb_pass.h"

namespace ptx::tlb {

// One VM's pass and the memory and roots it reads. The events come from EngineExporter, whose
// sections are well formed (each lock has its unlock, one tid, one VTCR_EL2), so the memory and
// roots are kept here as an EventChecker keeps them for those events (apply), without the checks
// and section records the checker keeps for any trace: reference_section_tlb.h in tests/tlb is
// that EventChecker fold, and section_tlb_differential_test.cc shows the two give equal findings.
struct SectionTlb::Lane {
  Lane(TlbOptions options, PoolMemory shared) : pass(options), memory(Geometry::arm(), 0) {
    // Every table page of an engine run comes from the VMs' pools (pagetable/constants.h): the
    // outputs of its leaves need no reverse-index records.
    memory.set_table_pages(kTableBegin, kTableEnd);
    if (shared) {
      memory.set_backing(shared);
      written.resize((shared.end - shared.begin) / PAGE_SIZE);
    }
  }

  void fold(const armtrace::Event& e) {
    armcheck::EventFacts facts;  // what TlbPass::after requires of a mem-write
    if (e.kind == armtrace::EventKind::kMemWrite) facts.old_word = memory.read(0, e.address & ~uint64_t{7});
    pass.before(e, memory, roots);
    apply(e);
    pass.after(e, memory, roots, facts);
  }
  void apply(const armtrace::Event& e);
  std::optional<armcheck::EngineExporter::PlainEvents> quiet(const Section& s) const;
  void write_quiet(const Section& s);
  bool unchanged_by(uint64_t word, uint64_t before, uint64_t after);

  static constexpr uint64_t kTableBegin = pool_start(0), kTableEnd = pool_end(kVmCount - 1);
  // Does the reverse index of `memory` record `value` as a table link (NptImage::links, flat)?
  static bool links(uint64_t value) {
    constexpr Geometry g = Geometry::arm();
    const uint64_t table = g.table_address(value);
    return g.may_be_table(value) && table >= kTableBegin && table < kTableEnd;
  }

  TlbPass pass;
  NptImage memory;        // flat, as the EventChecker's
  armcheck::Roots roots;  // the VM's root: announced by its set_root_lock hint, registered by VTTBR_EL2
  armcheck::EngineExporter exporter;
  uint64_t last_line = 0;
  uint64_t quiet_sections = 0;  // quiet_folds(): per lane, as lanes are added on different threads
  std::vector<bool> written;  // shared tables: pages of the pool `memory` keeps entries of (only grows)
};

// The events of `s`, when its fold would leave the pass at rest (TlbPass::quiet): the pass is at
// rest, `s` is plain (EngineExporter::plain_events) and each of its writes overwrites an invalid
// value — the value the fold's memory holds there before it: that of the update before it to the
// same word, else, with shared tables, the update's old value (rewind_backing's state), else the
// lane's memory's.
std::optional<armcheck::EngineExporter::PlainEvents> SectionTlb::Lane::quiet(const Section& s) const {
  if (!pass.quiet()) return std::nullopt;
  const PoolMemory& shared = memory.backing();
  for (size_t i = 0; i < s.updates.size(); ++i) {
    const uint64_t word = s.updates[i].entry & ~uint64_t{7};
    if (shared && (word != s.updates[i].entry || !shared.contains(word))) return std::nullopt;  // rewind skips it
    size_t j = i;
    while (j > 0 && (s.updates[j - 1].entry & ~uint64_t{7}) != word) --j;
    const uint64_t before = j > 0    ? s.updates[j - 1].new_value
                            : shared ? s.updates[i].old_value
                                     : memory.read(0, word);
    if ((before & 1) != 0) return std::nullopt;
  }
  return exporter.plain_events(s);
}

// The memory changes of a quiet section's writes, as its fold's mem-writes make them. With shared
// tables, the engine has made them in `memory`'s backing already: when none of them changes what
// `memory` keeps beside (a page record to create, a reverse-index link), nothing is left to do.
void SectionTlb::Lane::write_quiet(const Section& s) {
  bool unchanged = static_cast<bool>(memory.backing());
  for (size_t i = 0; i < s.updates.size() && unchanged; ++i) {
    const Update& u = s.updates[i];
    unchanged = u.entry % 8 == 0 && unchanged_by(u.entry, u.old_value, u.new_value);
  }
  if (unchanged) return;
  memory.rewind_backing(s.updates);  // shared tables: the state before s (no-op with a copy)
  for (const Update& u : s.updates) memory.write(0, u.entry, u.new_value);
}

// Would NptImage::write of `after` over `before` at `word`, a word of the backing, change only the
// word: its page has its entries already and neither value is a link the reverse index records?
bool SectionTlb::Lane::unchanged_by(uint64_t word, uint64_t before, uint64_t after) {
  if (!memory.backing().contains(word) || links(before) || links(after)) return false;
  const uint64_t page = word & ~uint64_t{PAGE_SIZE - 1};
  const size_t bit = (page - memory.backing().begin) / PAGE_SIZE;
  if (!written[bit]) written[bit] = memory.table(0, page) != nullptr;
  return written[bit];
}

// What EventChecker::apply does with the kinds EngineExporter makes: mem-write and mem-init change
// memory, the set_root_lock hint announces the root and the VTTBR_EL2 write registers it (casemate's
// default VTCR_EL2, T0SZ 16: walks from level 0; HCR_EL2.VM on), the rest change neither.
void SectionTlb::Lane::apply(const armtrace::Event& e) {
  using armtrace::EventKind;
  constexpr Geometry kVtcrGeometry = Geometry::arm(0);
  switch (e.kind) {
    case EventKind::kMemWrite: memory.write(0, e.address, e.value); return;
    case EventKind::kMemInit:
      armcheck::for_each_changed_word(memory, e, 0, [&](uint64_t word, uint64_t) { memory.write(0, word, 0); });
      return;
    case EventKind::kHint: {
      const uint64_t page = e.location & ~uint64_t{0xfff};
      if (e.hint_kind == armtrace::HintKind::kSetRootLock && !roots.is_root(page)) {
        roots.activate(armcheck::Root{page, 2, 0, kVtcrGeometry, e.line, /*registered=*/false});
      }
      return;
    }
    case EventKind::kSysregWrite: {
      if (e.sysreg != armtrace::Sysreg::kVttbrEl2) return;
      const armtrace::TableBaseValue b = armtrace::decode_table_base(e.value);
      roots.activate(armcheck::Root{b.baddr & ~uint64_t{0xfff}, 2, b.id, kVtcrGeometry, e.line, true});
      return;
    }
    default: return;
  }
}

SectionTlb::SectionTlb(std::string source, TlbOptions options) : source_(std::move(source)), options_(options) {}

SectionTlb::~SectionTlb() = default;

Status SectionTlb::add(const Section& s, uint64_t line) {
  if (s.vmid >= kVmCount) return bad_input("vmid {} of section {} is not 0..16 (valid_vmid)", s.vmid, s.seq);
  std::unique_ptr<Lane>& lane = lanes_[s.vmid];
  if (!lane) lane = std::make_unique<Lane>(options_, shared_[s.vmid]);
  Lane& l = *lane;
  if (quiet_folds_) {
    if (const std::optional<armcheck::EngineExporter::PlainEvents> plain = l.quiet(s)) {
      l.exporter.skip(*plain);
      l.write_quiet(s);
      l.pass.fold_quiet(plain->events, plain->tlbis);
      ++l.quiet_sections;
      l.last_line = std::max(l.last_line, line);
      return ok_status();
    }
  }
  l.memory.rewind_backing(s.updates);  // shared tables: the state before s (no-op with a copy)
  Status st = l.exporter.for_each_event(s, [&l, line](armtrace::Event& e) {
    e.line = line;
    l.fold(e);
  });
  if (!st.ok()) {
    l.memory.replay_backing(s.updates);  // nothing was folded: the engine's tables as it made them
    return std::move(st).at(source_, line);
  }
  l.last_line = std::max(l.last_line, line);
  return ok_status();
}

void SectionTlb::finish() {
  for (const std::unique_ptr<Lane>& lane : lanes_) {
    if (lane) lane->pass.finish(lane->last_line, lane->memory, lane->roots);  // every section is closed
  }
}

std::vector<TlbFinding> lane_findings(std::span<const TlbPass* const> passes) {
  std::vector<TlbFinding> all;
  for (const TlbPass* p : passes) {
    if (p != nullptr) all.insert(all.end(), p->findings().begin(), p->findings().end());
  }
  return all;
}

TlbSummary lane_summary(std::span<const TlbPass* const> passes) {
  TlbSummary s = summarize(lane_findings(passes));
  for (const TlbPass* p : passes) {
    if (p == nullptr) continue;
    const TlbSummary l = p->summary();
    s.tlbis += l.tlbis;
    s.max_stale = std::max(s.max_stale, l.max_stale);
  }
  return s;
}

std::array<const TlbPass*, kVmCount> SectionTlb::passes() const {
  std::array<const TlbPass*, kVmCount> p{};
  for (size_t vm = 0; vm < kVmCount; ++vm) p[vm] = lanes_[vm] ? &lanes_[vm]->pass : nullptr;
  return p;
}

uint64_t SectionTlb::quiet_folds() const {
  uint64_t n = 0;
  for (const std::unique_ptr<Lane>& lane : lanes_) n += lane ? lane->quiet_sections : 0;
  return n;
}

std::vector<TlbFinding> SectionTlb::findings() const { return lane_findings(passes()); }

TlbSummary SectionTlb::summary() const { return lane_summary(passes()); }

}  // namespace ptx::tlb
