// SPDX-License-Identifier: BSD-2-Clause
// Property test of EventChecker on random well-formed event streams: a generator over four roots
// (two stage-2 roots of 4 and 3 levels, a stage-1 root, a root only announced by a set_root_lock
// hint), six table pages, four tids, three locks (nested, trylock re-entry, unlocks out of
// order), DSBs of every kind, unlocked writes, reads and zeroing mem-sets. An independent model
// folds the same events (its own memory, sections, barrier epochs, and its own Arm walker) and
// brute-forces every state of every epoch at every address that can differ. Checked:
//  * the checker never fails on well-formed input;
//  * sections, updates, barriers, tids and locks are the model's;
//  * a (section, root) has a violation iff the brute force finds a third mapping, with the same
//    (observed, class) pairs;
//  * every violation's witness replays: the memory before the section, updates [0, epoch_start)
//    in program order, then the witness, walked from the root, gives `observed` (and the
//    before-state and the after-state give `before` and `after`);
//  * the result does not depend on parallel exploration or the TBB thread count, nor on the
//    explorer (fast or faithful), nor on going through casemate text (writer, then reader), nor
//    on the checker's cache of the root above each table page (root_cache.h).
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include "armtrace/casemate_writer.h"
#include "tests/armcheck/check_util.h"

namespace ptx::armcheck {
namespace {

using armtrace::DsbKind;
using armtrace::EventKind;
using testing::Stream;
using Memory = std::unordered_map<uint64_t, uint64_t>;  // word -> value; absent = 0

struct RootSpec {
  uint64_t base;
  int levels;
};
constexpr RootSpec kRoots[] = {{0x10000, 4}, {0x20000, 3}, {0x30000, 4}, {0x40000, 4}};
constexpr uint64_t kPool = 0x100000;  // six table pages
constexpr int kPoolPages = 6;
constexpr int kIndexes = 3;            // entries 0..2 of a page are written; 3 stands for the rest
constexpr uint64_t kLocks[] = {0xa0, 0xb0, 0xc0};
constexpr size_t kMaxEpoch = 4, kMaxSection = 8;

uint64_t read(const Memory& m, uint64_t w) {
  auto it = m.find(w);
  return it == m.end() ? 0 : it->second;
}
void store(Memory& m, uint64_t w, uint64_t v) {
  if (v == 0) {
    m.erase(w);
  } else {
    m[w] = v;
  }
}

// The model's own walker (casemate-trace.md §4): the descriptor the walk ends at, and whether it
// is a mapping (a block at Arm level 1 or 2, a page at level 3) rather than an invalid entry.
std::pair<uint64_t, bool> walk(const Memory& m, const RootSpec& r, uint64_t ipa) {
  uint64_t table = r.base;
  for (int l = 0; l < r.levels; ++l) {
    const int arm = l + 4 - r.levels;
    const uint64_t d = read(m, table + ((ipa >> (12 + 9 * (3 - arm))) & 511) * 8);
    if ((d & 1) == 0) return {0, false};  // Arm: bit 0 clear maps nothing, whatever the other bits
    if (arm == 3) return {d, (d & 2) != 0};
    if ((d & 2) == 0) return {d, arm == 1 || arm == 2};
    table = d & 0xfffffffff000;
  }
  return {0, false};
}

// Every IPA whose walk can differ: indexes 0..kIndexes at each level (index kIndexes reads a
// word never written, like every index above it).
std::vector<uint64_t> ipas(const RootSpec& r) {
  std::vector<uint64_t> out{0};
  for (int l = 0; l < r.levels; ++l) {
    std::vector<uint64_t> next;
    for (uint64_t ipa : out) {
      for (uint64_t i = 0; i <= kIndexes; ++i) next.push_back(ipa | (i << (12 + 9 * (r.levels - 1 - l))));
    }
    out = next;
  }
  return out;
}

struct ModelSection {
  uint32_t tid = 0;
  uint64_t lock = 0;
  uint32_t depth = 1;
  Memory before;  // filled at the close
  std::vector<Update> updates;
  std::vector<uint32_t> barriers;
};

struct Model {
  Memory memory;
  std::vector<ModelSection> closed;  // by seq
  std::array<std::vector<ModelSection>, 4> open;
  uint64_t read_mismatches = 0;

  void write(uint32_t tid, uint64_t w, uint64_t v) {
    if (!open[tid].empty()) open[tid].back().updates.push_back(Update{UpdateKind::kPte, w, read(memory, w), v});
    store(memory, w, v);
  }
  void close(uint32_t tid, size_t i) {
    ModelSection s = std::move(open[tid][i]);
    open[tid].erase(open[tid].begin() + static_cast<long>(i));
    s.before = memory;
    for (auto u = s.updates.rbegin(); u != s.updates.rend(); ++u) store(s.before, u->entry, u->old_value);
    closed.push_back(std::move(s));
  }
  void add(const armtrace::Event& e);
  void finish() {
    for (uint32_t t = 0; t < 4; ++t) {
      while (!open[t].empty()) close(t, open[t].size() - 1);
    }
  }
};

void Model::add(const armtrace::Event& e) {
  auto& mine = open[e.tid];
  switch (e.kind) {
    case EventKind::kMemWrite: write(e.tid, e.address, e.value); break;
    case EventKind::kMemInit:
    case EventKind::kMemSet:
      for (uint64_t w = e.address; w < e.address + e.size; w += 8) {
        if (read(memory, w) != e.value) write(e.tid, w, e.value);
      }
      break;
    case EventKind::kMemRead: read_mismatches += read(memory, e.address) != e.value; break;
    case EventKind::kBarrier:
      if (e.barrier == armtrace::BarrierType::kIsb || e.dsb_kind == DsbKind::kNsh) break;
      for (ModelSection& s : mine) {
        const auto n = static_cast<uint32_t>(s.updates.size());
        if (n > 0 && (s.barriers.empty() || s.barriers.back() < n)) s.barriers.push_back(n);
      }
      break;
    case EventKind::kLock:
    case EventKind::kTrylock: {
      auto it = std::find_if(mine.rbegin(), mine.rend(), [&](const ModelSection& s) { return s.lock == e.address; });
      if (it != mine.rend()) {
        ++it->depth;  // the generator re-enters only with trylock
      } else {
        mine.push_back(ModelSection{e.tid, e.address, 1, {}, {}, {}});
      }
      break;
    }
    case EventKind::kUnlock:
      for (size_t i = mine.size(); i-- > 0;) {
        if (mine[i].lock == e.address) {
          if (--mine[i].depth == 0) close(e.tid, i);
          break;
        }
      }
      break;
    default: break;
  }
}

// --- the generator ------------------------------------------------------------------------

uint64_t table_page(std::mt19937_64& rng) {
  const uint64_t i = rng() % (kPoolPages + 4);
  return i < kPoolPages ? kPool + i * 0x1000 : kRoots[i - kPoolPages].base;
}

uint64_t random_value(std::mt19937_64& rng) {
  const uint64_t r = rng() % 20, oa = (rng() % 4) << 12;
  if (r < 4) return 0;
  if (r < 11) return (kPool + (rng() % kPoolPages) * 0x1000) | 3;  // a table
  if (r < 14) return (((rng() % 3) + 1) << 30) | 0x401;            // a block (invalid at L0 and L3)
  if (r < 18) return (0x80000000 + oa) | 0x7ff;                    // a page (a table above L3)
  return (0x90000000 + oa) | 0x7fe;                                // invalid, not zero
}

// Per tid: the generator's view of its open sections (lock, writes in the section, writes in
// the current epoch), to keep streams well-formed and sections small.
struct GenSection {
  uint64_t lock;
  size_t writes = 0, epoch = 0;
};

void random_step(std::mt19937_64& rng, Stream& s, std::array<std::vector<GenSection>, 4>& open,
                 std::map<uint64_t, uint32_t>& holder) {
  uint32_t tid = rng() % 4;
  const uint64_t r = rng() % 100;
  if (r < 45 && rng() % 5 != 0) {  // writes are mostly by a tid in a section
    for (uint32_t t = 0; t < 4 && open[tid].empty(); ++t) tid = (tid + 1) % 4;
  }
  auto& mine = open[tid];
  if (r < 45) {
    if (!mine.empty() && (mine.back().writes >= kMaxSection || mine.back().epoch >= kMaxEpoch)) {
      s.dsb(tid, rng() % 2 ? DsbKind::kIsh : DsbKind::kIshst);
      for (GenSection& g : mine) g.epoch = 0;
      return;
    }
    s.write(tid, table_page(rng) + (rng() % kIndexes) * 8, random_value(rng));
    if (!mine.empty()) ++mine.back().writes, ++mine.back().epoch;
  } else if (r < 60) {
    const uint64_t lock = kLocks[rng() % 3];
    const auto h = holder.find(lock);
    if (h != holder.end() && h->second != tid) return;
    if (h != holder.end() || mine.size() < 2) s.lock(tid, lock, rng() % 2 || h != holder.end() ? EventKind::kTrylock : EventKind::kLock);
    if (h == holder.end() && mine.size() < 2) {
      holder[lock] = tid;
      mine.push_back(GenSection{lock});
    } else if (h != holder.end()) {
      mine.push_back(GenSection{lock, kMaxSection, kMaxEpoch});  // a re-entry: no write of its own
    }
  } else if (r < 74) {
    if (mine.empty()) return;
    const size_t i = rng() % 4 == 0 ? 0 : mine.size() - 1;  // sometimes out of order
    const uint64_t lock = mine[i].lock;
    s.unlock(tid, lock);
    mine.erase(mine.begin() + static_cast<long>(i));
    if (std::none_of(mine.begin(), mine.end(), [&](const GenSection& g) { return g.lock == lock; })) holder.erase(lock);
  } else if (r < 87) {
    const uint64_t k = rng() % 4;
    if (k == 3) {
      s.isb(tid);
    } else {
      s.dsb(tid, static_cast<DsbKind>(k));
      if (k != 2) for (GenSection& g : mine) g.epoch = 0;
    }
  } else if (r < 95) {
    s.read(tid, table_page(rng) + (rng() % kIndexes) * 8, rng() % 5 == 0 ? 0x1234 : 0);  // value set below
  } else if (mine.empty()) {
    s.set(kPool + (rng() % kPoolPages) * 0x1000, 0x1000, 0, tid);
  }
}

// Roots and tables, then `steps` random steps; mem-read values are fixed up to match memory
// unless they are the deliberate mismatch 0x1234.
std::vector<armtrace::Event> generate(uint64_t seed, int steps) {
  std::mt19937_64 rng(seed);
  Stream s;
  for (const RootSpec& r : kRoots) s.init(r.base);
  s.init(kPool, kPoolPages * 0x1000);
  for (int i = 0; i < 24; ++i) s.write(0, table_page(rng) + (rng() % kIndexes) * 8, random_value(rng));
  s.vttbr(0, kRoots[0].base, 1);
  s.sysreg(1, armtrace::Sysreg::kVtcrEl2, 0x19);
  s.vttbr(1, kRoots[1].base, 2);
  s.sysreg(2, armtrace::Sysreg::kTtbr0El2, kRoots[2].base);
  s.root_lock_hint(3, kRoots[3].base, kLocks[2]);
  std::array<std::vector<GenSection>, 4> open;
  std::map<uint64_t, uint32_t> holder;
  for (int i = 0; i < steps; ++i) random_step(rng, s, open, holder);
  std::vector<armtrace::Event> events = s.events();
  Model m;
  for (armtrace::Event& e : events) {
    if (e.kind == EventKind::kMemRead && e.value != 0x1234) e.value = read(m.memory, e.address);
    m.add(e);
  }
  return events;
}

StatusOr<CheckResult> run_events(const std::vector<armtrace::Event>& events, const CheckOptions& o) {
  EventChecker c("t.trace", o);
  for (const armtrace::Event& e : events) PTX_RETURN_IF_ERROR(c.add(e));
  return c.finish({}, events.size());
}

Model fold(const std::vector<armtrace::Event>& events) {
  Model m;
  for (const armtrace::Event& e : events) m.add(e);
  m.finish();
  return m;
}

// --- the brute force ----------------------------------------------------------------------

struct BruteForce {
  std::set<std::pair<uint64_t, bool>> thirds;  // (observed, a wrong translation)
  bool changes = false;                        // some state maps some address differently
};

struct Enumeration {
  const RootSpec& root;
  const std::vector<uint64_t>& addrs;
  const std::vector<uint64_t>& before;
  const std::vector<uint64_t>& after;
  std::map<std::pair<uint64_t, uint64_t>, bool> seen;  // (ipa, observed) -> some walk maps it
  bool changes = false;

  void judge(const Memory& m) {
    for (size_t i = 0; i < addrs.size(); ++i) {
      const auto [d, mapped] = walk(m, root, addrs[i]);
      changes |= d != before[i];
      if (d != before[i] && d != after[i]) seen[{addrs[i], d}] |= mapped;
    }
  }
  // Every list of distinct updates of `epoch` (indexes), applied in order: sample_and_shuffle.
  void lists(Memory& m, const std::vector<Update>& u, std::vector<uint32_t>& epoch) {
    judge(m);
    for (size_t k = 0; k < epoch.size(); ++k) {
      const uint32_t i = epoch[k];
      epoch.erase(epoch.begin() + static_cast<long>(k));
      const uint64_t old = read(m, u[i].entry);
      store(m, u[i].entry, u[i].new_value);
      lists(m, u, epoch);
      store(m, u[i].entry, old);
      epoch.insert(epoch.begin() + static_cast<long>(k), i);
    }
  }
};

Memory after_of(const ModelSection& s) {
  Memory m = s.before;
  for (const Update& u : s.updates) store(m, u.entry, u.new_value);
  return m;
}

BruteForce brute_force(const ModelSection& s, const RootSpec& r) {
  const std::vector<uint64_t> addrs = ipas(r);
  const Memory after = after_of(s);
  std::vector<uint64_t> before_v, after_v;
  for (uint64_t ipa : addrs) {
    before_v.push_back(walk(s.before, r, ipa).first);
    after_v.push_back(walk(after, r, ipa).first);
  }
  Enumeration en{r, addrs, before_v, after_v, {}, false};
  std::vector<uint32_t> ends = s.barriers;
  if (ends.empty() || ends.back() < s.updates.size()) ends.push_back(static_cast<uint32_t>(s.updates.size()));
  Memory m = s.before;
  uint32_t start = 0;
  for (uint32_t end : ends) {
    std::vector<uint32_t> epoch;
    for (uint32_t i = start; i < end; ++i) epoch.push_back(i);
    en.lists(m, s.updates, epoch);
    for (uint32_t i = start; i < end; ++i) store(m, s.updates[i].entry, s.updates[i].new_value);
    start = end;
  }
  BruteForce b{{}, en.changes};
  for (const auto& [key, mapped] : en.seen) b.thirds.insert({key.second, mapped});
  return b;
}

// Replays each violation of `c` (section `s`, root `r`): see the header comment.
void expect_witnesses_replay(const CheckedSection& c, const ModelSection& s, const RootSpec& r) {
  const Memory after = after_of(s);
  for (const Violation& v : c.exploration.violations) {
    Memory m = s.before;
    for (uint32_t i = 0; i < v.epoch_start; ++i) store(m, s.updates[i].entry, s.updates[i].new_value);
    for (uint32_t i : v.witness) {
      ASSERT_LT(i, s.updates.size());
      EXPECT_GE(i, v.epoch_start);
      store(m, s.updates[i].entry, s.updates[i].new_value);
    }
    EXPECT_EQ(walk(m, r, v.ipa).first, v.observed) << "ipa " << std::hex << v.ipa;
    EXPECT_EQ(walk(s.before, r, v.ipa).first, v.before) << "ipa " << std::hex << v.ipa;
    EXPECT_EQ(walk(after, r, v.ipa).first, v.after) << "ipa " << std::hex << v.ipa;
  }
}

const CheckedSection* kept_of(const CheckResult& res, uint64_t seq, uint64_t root) {
  for (const CheckedSection& c : res.kept) {
    if (c.section.seq == seq && c.context->root == root) return &c;
  }
  return nullptr;
}

// The model's section `seq` against what the checker kept of it, for every root.
void expect_section_agrees(const CheckResult& res, uint64_t seq, const ModelSection& s) {
  for (const RootSpec& r : kRoots) {
    SCOPED_TRACE(::testing::Message() << "seq " << seq << " root " << std::hex << r.base);
    const BruteForce b = brute_force(s, r);
    const CheckedSection* c = kept_of(res, seq, r.base);
    if (c == nullptr) {
      EXPECT_FALSE(b.changes);
      continue;
    }
    EXPECT_EQ(c->context->tid, s.tid);
    EXPECT_EQ(c->context->lock, s.lock);
    EXPECT_EQ(c->context->barriers, s.barriers);
    ASSERT_EQ(c->section.updates.size(), s.updates.size());
    for (size_t i = 0; i < s.updates.size(); ++i) {
      EXPECT_EQ(c->section.updates[i].entry, s.updates[i].entry);
      EXPECT_EQ(c->section.updates[i].new_value, s.updates[i].new_value);
    }
    std::set<std::pair<uint64_t, bool>> thirds;
    for (const Violation& v : c->exploration.violations) {
      thirds.insert({v.observed, v.cls == ViolationClass::kWrongTranslation});
    }
    EXPECT_EQ(thirds, b.thirds);
    expect_witnesses_replay(*c, s, r);
  }
}

constexpr uint64_t kSeeds = 200;
constexpr int kSteps = 100;

TEST(RandomStreamsTest, TheCheckerAgreesWithABruteForceModel) {
  uint64_t sections = 0, transient = 0, wrong = 0, findings = 0;
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    const std::vector<armtrace::Event> events = generate(seed, kSteps);
    const Model m = fold(events);
    const StatusOr<CheckResult> r = run_events(events, testing::keep_all());
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    ASSERT_EQ(r->totals.sections, m.closed.size());
    uint64_t updates = 0;
    for (const ModelSection& s : m.closed) updates += s.updates.size();
    EXPECT_EQ(r->totals.updates, updates);
    uint64_t violations = 0;
    for (const CheckedSection& c : r->kept) violations += c.exploration.violations.size();
    EXPECT_EQ(r->totals.violations, violations);
    EXPECT_EQ(r->totals.transient_faults + r->totals.wrong_translations, violations);
    EXPECT_EQ(std::count_if(r->findings.begin(), r->findings.end(),
                            [](const Finding& f) { return f.kind == "mem-read"; }),
              static_cast<long>(m.read_mismatches));
    for (uint64_t seq = 0; seq < m.closed.size(); ++seq) expect_section_agrees(*r, seq, m.closed[seq]);
    if (::testing::Test::HasFailure()) return;
    sections += m.closed.size();
    transient += r->totals.transient_faults;
    wrong += r->totals.wrong_translations;
    findings += r->findings.size();
  }
  // The generator reaches every outcome.
  EXPECT_GT(sections, kSeeds * 4);
  EXPECT_GT(transient, 0u);
  EXPECT_GT(wrong, 0u);
  EXPECT_GT(findings, 0u);
}

// Explorations equal, witnesses aside when `witnesses` is false (the faithful explorer picks
// the first shortest list in Coq order, the fast one the smallest set: equally short).
bool same_exploration(Exploration x, Exploration y, bool witnesses) {
  if (x.violations.size() != y.violations.size()) return false;
  for (size_t i = 0; i < x.violations.size() && !witnesses; ++i) {
    if (x.violations[i].witness.size() != y.violations[i].witness.size()) return false;
    x.violations[i].witness.clear();
    y.violations[i].witness.clear();
  }
  return x == y;
}

// Results of two runs of one stream are equal: totals, findings, kept sections and their context.
::testing::AssertionResult same(const CheckResult& a, const CheckResult& b, bool witnesses = true) {
  if (!(a.totals == b.totals)) return ::testing::AssertionFailure() << "totals differ";
  if (a.findings != b.findings) return ::testing::AssertionFailure() << "findings differ";
  if (a.kept.size() != b.kept.size()) return ::testing::AssertionFailure() << "kept sizes differ";
  for (size_t i = 0; i < a.kept.size(); ++i) {
    const CheckedSection &x = a.kept[i], &y = b.kept[i];
    if (!(x.section == y.section) || !same_exploration(x.exploration, y.exploration, witnesses) || x.line != y.line) {
      return ::testing::AssertionFailure() << "kept section " << i << " differs";
    }
    const SectionContext &p = *x.context, &q = *y.context;
    if (p.tid != q.tid || p.lock != q.lock || p.first_line != q.first_line || p.last_line != q.last_line ||
        p.open_at_end != q.open_at_end || p.root != q.root || p.stage != q.stage || p.id != q.id ||
        p.update_lines != q.update_lines || p.update_srcs != q.update_srcs || p.barriers != q.barriers) {
      return ::testing::AssertionFailure() << "context " << i << " differs";
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(RandomStreamsTest, ThreadsExplorersAndTheTextPathDoNotChangeTheResult) {
  for (uint64_t seed = 0; seed < kSeeds / 2; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    const std::vector<armtrace::Event> events = generate(seed, kSteps);
    const StatusOr<CheckResult> base = run_events(events, testing::keep_all(false));
    ASSERT_TRUE(base.ok()) << base.status().to_string();
    for (int threads : {1, 2}) {
      tbb::task_arena arena(threads);
      StatusOr<CheckResult> r = Status();
      arena.execute([&] { r = run_events(events, testing::keep_all(true)); });
      ASSERT_TRUE(r.ok());
      EXPECT_TRUE(same(*base, *r)) << threads << " threads";
    }
    CheckOptions climb = testing::keep_all();  // every write climbs to its root, no RootCache
    climb.cache_roots = false;
    const StatusOr<CheckResult> c = run_events(events, climb);
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(same(*base, *c)) << "without the root cache";
    CheckOptions faithful = testing::keep_all();
    faithful.explore.mode = ExploreMode::kFaithful;
    const StatusOr<CheckResult> f = run_events(events, faithful);
    ASSERT_TRUE(f.ok());
    EXPECT_TRUE(same(*base, *f, /*witnesses=*/false)) << "faithful";
    std::ostringstream text;
    armtrace::CasemateWriter w(text, /*condensed=*/seed % 2 == 1);
    for (const armtrace::Event& e : events) ASSERT_TRUE(w.write(e).ok());
    const StatusOr<CasemateRun> t = testing::check_text(text.str());
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    EXPECT_TRUE(same(*base, t->result)) << "through casemate text";
    EXPECT_EQ(t->result.counts.records(), events.size());
  }
}

}  // namespace
}  // namespace ptx::armcheck
