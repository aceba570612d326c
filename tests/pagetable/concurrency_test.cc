// SPDX-License-Identifier: BSD-2-Clause
// Concurrency: writer threads on different VMs and several writer threads on the SAME VM (they
// serialise on the VM's lock through open_section), with walker threads calling pt_map / walk
// at the same time without any lock.
//
// Every value a walker reads must be a value the entry held: 0 or one of the values the engine
// wrote there (known after the run from the completed sections' update lists); table entries
// only ever go from 0 to their final value; a walk's result is 0 or a descriptor some writer
// mapped for that IPA (known before the run: the writers' plans are fixed). After the run, the
// sections replayed in seq (= lock) order rebuild exactly the engine's tables, and each update's
// recorded old value is the value the replay finds there.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

#include "pagetable/constants.h"
#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "pagetable/npt_image.h"
#include "tests/support/spec_model.h"

namespace ptx {
namespace {

// ---- SPEC §2, independently (tests/spec_model.h) ------------------------------------------
using namespace ptx::spec;

// ---- The plan ----------------------------------------------------------------------------------

constexpr uint64_t kPgds[] = {0, 1};
constexpr uint64_t kPuds[] = {0, 2};
constexpr uint64_t kPagePmds[] = {0, 1, 2, 3};      // regions holding level-3 tables
constexpr uint64_t kBlockPmds[] = {10, 11, 12, 13};  // regions holding 2 MiB blocks
constexpr uint64_t kPtes = 8;

std::vector<uint64_t> PageIpas() {
  std::vector<uint64_t> v;
  for (uint64_t g : kPgds)
    for (uint64_t u : kPuds)
      for (uint64_t m : kPagePmds)
        for (uint64_t t = 0; t < kPtes; ++t) v.push_back(SIpa(g, u, m, t));
  return v;
}
std::vector<uint64_t> BlockIpas() {
  std::vector<uint64_t> v;
  for (uint64_t g : kPgds)
    for (uint64_t u : kPuds)
      for (uint64_t m : kBlockPmds) v.push_back(SIpa(g, u, m, 0));
  return v;
}
// Never mapped by any writer.
std::vector<uint64_t> HoleIpas() {
  return {SIpa(0, 0, 20, 0), SIpa(1, 2, 4, 0), SIpa(0, 0, 0, kPtes), SIpa(5, 0, 0, 0), SIpa(0, 1, 0, 0)};
}

// Lookup key of the descriptors allowed at an IPA: its page for page regions, its 2 MiB region
// (tagged) for block regions.
uint64_t AllowedKey(uint64_t ipa) {
  const uint64_t pmd = SIndex(2, ipa);
  return pmd >= 10 ? (ipa >> 21) | (uint64_t{1} << 63) : ipa >> 12;
}

struct PlannedOp {
  uint64_t ipa;
  int level;
  uint64_t desc;
};

struct Writer {
  uint32_t vm;
  std::vector<std::vector<PlannedOp>> sections;  // ops of each section
  std::vector<Section> done;                     // what close() returned
};

struct Observation {
  uint32_t vm;
  int level;
  uint64_t entry;
  uint64_t value;
  bool operator==(const Observation&) const = default;
};
struct ObservationHash {
  size_t operator()(const Observation& o) const {
    return std::hash<uint64_t>()(o.entry * 31 + o.value) ^ (static_cast<size_t>(o.vm) << 4) ^
           static_cast<size_t>(o.level);
  }
};

constexpr uint32_t kWriterVms[] = {1, 2, 3, 3, 3};  // three writers share VM 3
constexpr uint32_t kVms[] = {1, 2, 3};
constexpr int kSectionsPerWriter = 20000;
constexpr int kWalkers = 2;

// One run: the writers' plans, the threads, and what they saw.
class ConcurrencyTest : public ::testing::TestWithParam<SectionPolicy> {
 protected:
  ConcurrencyTest() : policy_(GetParam()), engine_(policy_) {}

  // Plans every writer's sections; unique descriptors identify (writer, op).
  void plan() {
    for (size_t w = 0; w < std::size(kWriterVms); ++w) {
      Writer wr{kWriterVms[w], {}, {}};
      std::mt19937_64 rng(1000 + w);
      uint64_t n = 0;
      for (int s = 0; s < kSectionsPerWriter; ++s) {
        const int ops = policy_ == SectionPolicy::kBatched ? 1 + static_cast<int>(rng() % 4) : 1;
        std::vector<PlannedOp> sec;
        for (int i = 0; i < ops; ++i, ++n) {
          const uint64_t id = (uint64_t{w + 1} << 20) | n;
          PlannedOp op;
          if (rng() % 4 == 0) {
            op = {block_ipas_[rng() % block_ipas_.size()] + rng() % 0x200000, 2,
                  (id << 21) | 0x4C1};  // block: output address bits 21+, low bits 01
          } else {
            op = {page_ipas_[rng() % page_ipas_.size()] + rng() % kPage, 3, (id << 12) | 0x4C3};
          }
          allowed_[wr.vm][AllowedKey(op.ipa)].insert(op.desc);
          sec.push_back(op);
        }
        wr.sections.push_back(std::move(sec));
      }
      writers_.push_back(std::move(wr));
    }
  }

  void fail(std::string msg) {
    std::lock_guard<std::mutex> l(fail_mu_);
    if (failures_.size() < 20) failures_.push_back(std::move(msg));
  }

  // A writer: its sections in order, each under the VM's lock.
  void write(Writer& wr) {
    // Writers start once every walker is walking.
    while (!go_.load(std::memory_order_acquire) || walkers_started_.load() < kWalkers) std::this_thread::yield();
    for (const auto& sec : wr.sections) {
      CriticalSection cs;
      if (engine_.open_section(wr.vm, &cs) != NptError::kOk) {
        fail("open_section failed");
        break;
      }
      for (const PlannedOp& op : sec) {
        const NptError err = cs.set_npt(op.ipa, op.level, op.desc);
        if (err != NptError::kOk) fail(std::string("set_npt: ") + std::string(npt_error_name(err)));
      }
      wr.done.push_back(cs.close());
    }
    writers_running_.fetch_sub(1, std::memory_order_release);
  }

  // A random IPA: a hole (never mapped), in a page region or in a block region.
  uint64_t random_ipa(std::mt19937_64& rng, bool* hole) const {
    const uint64_t r = rng() % 20;
    *hole = r == 0;
    if (*hole) return holes_[rng() % holes_.size()] + rng() % kPage;
    if (r < 10) return page_ipas_[rng() % page_ipas_.size()] + rng() % kPage;
    return block_ipas_[rng() % block_ipas_.size()] + rng() % 0x200000;
  }

  // One lock-free walk, checked against SPEC §3's path and the writers' plans. False on failure.
  bool walk_once(uint32_t vm, uint64_t ipa, bool hole, std::unordered_set<Observation, ObservationHash>& seen) {
    const WalkResult w = engine_.walk(vm, ipa);
    const uint64_t d = engine_.pt_map(vm, ipa);
    // Structure of the walk: each entry address follows from the previous value (SPEC §3),
    // and each table value the engine wrote is `page | 3` with the page in the next pool.
    if (w.steps < 1 || w.steps > 4) return fail("bad step count"), false;
    uint64_t table = SPoolStart(vm);
    for (int l = 0; l < w.steps; ++l) {
      if (w.path[l].entry != (table | SIndex(l, ipa) * 8)) return fail("walk read an entry off the SPEC path"), false;
      seen.insert(Observation{vm, l, w.path[l].entry, w.path[l].value});
      const uint64_t v = w.path[l].value;
      if (l == w.steps - 1) break;
      if ((v & 3) != 3 || SPhysPage(v) < SPoolLo(vm, l + 1) || SPhysPage(v) >= SPoolHi(vm, l + 1)) {
        return fail("table entry does not point into the next level's pool"), false;
      }
      table = SPhysPage(v);
    }
    for (uint64_t got : {w.descriptor, d}) {
      if (got == 0) continue;
      if (hole) return fail("a never-mapped IPA translated"), false;
      const auto& set = allowed_.at(vm);
      const auto it = set.find(AllowedKey(ipa));
      if (it == set.end() || !it->second.count(got)) {
        return fail("walk returned a descriptor never mapped at this IPA"), false;
      }
    }
    return true;
  }

  // A walker: walks until the writers are done, then once more over the final state.
  void walk(int t) {
    std::mt19937_64 rng(77 + t);
    while (!go_.load(std::memory_order_acquire)) std::this_thread::yield();
    walkers_started_.fetch_add(1);
    for (bool last_round = false;;) {
      if (writers_running_.load(std::memory_order_acquire) == 0) {
        if (last_round) break;
        last_round = true;  // one more pass over the final state
      } else {
        ++walks_during_writes_[t];
      }
      bool hole = false;
      const uint32_t vm = kVms[rng() % 3];
      const uint64_t ipa = random_ipa(rng, &hole);
      if (!walk_once(vm, ipa, hole, observed_[t])) return;
    }
  }

  void run_threads() {
    writers_running_ = static_cast<int>(writers_.size());
    std::vector<std::thread> threads;
    for (Writer& wr : writers_) threads.emplace_back([this, &wr] { write(wr); });
    for (int t = 0; t < kWalkers; ++t) threads.emplace_back([this, t] { walk(t); });
    const auto start = std::chrono::steady_clock::now();
    go_.store(true, std::memory_order_release);
    for (std::thread& t : threads) t.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    RecordProperty("seconds", std::to_string(secs));
  }

  // vm's sections, checked against the writers' plans, in seq order.
  std::vector<const Section*> sections_of(uint32_t vm) {
    std::vector<const Section*> secs;
    for (const Writer& wr : writers_) {
      if (wr.vm != vm) continue;
      EXPECT_EQ(wr.done.size(), wr.sections.size());
      for (size_t i = 0; i < wr.done.size() && i < wr.sections.size(); ++i) {
        const Section& s = wr.done[i];
        EXPECT_EQ(s.vmid, vm);
        if (i > 0) {
          EXPECT_GT(s.seq, wr.done[i - 1].seq);  // a writer's sections in program order
        }
        EXPECT_EQ(s.ops.size(), wr.sections[i].size());
        for (size_t k = 0; k < s.ops.size() && k < wr.sections[i].size(); ++k) {
          EXPECT_EQ(s.ops[k], (MapOp{wr.sections[i][k].ipa, wr.sections[i][k].level, wr.sections[i][k].desc}));
        }
        secs.push_back(&s);
      }
    }
    std::sort(secs.begin(), secs.end(), [](const Section* a, const Section* b) { return a->seq < b->seq; });
    return secs;
  }

  // Replays vm's sections in seq order onto a shadow (collecting every value written per
  // entry) and compares the shadow with the engine.
  void replay(uint32_t vm) {
    const std::vector<const Section*> secs = sections_of(vm);
    ASSERT_EQ(engine_.sections_completed(vm), secs.size());
    NptImage shadow(Geometry::sekvm(), pt_vttbr(vm));
    for (size_t i = 0; i < secs.size(); ++i) {
      ASSERT_EQ(secs[i]->seq, i) << "vm " << vm;  // seq numbers are the lock order: 0, 1, 2, ...
      for (const Update& u : secs[i]->updates) {
        const int level = static_cast<int>(u.kind);
        // The recorded old value is the value the serial replay finds: sections did not overlap.
        ASSERT_EQ(shadow.read(level, u.entry), u.old_value) << "vm " << vm << " seq " << i;
        // Table entries are only ever written from 0.
        if (level < 2 || (level == 2 && (u.new_value & 3) == 3)) {
          ASSERT_EQ(u.old_value, 0u);
        }
        shadow.apply(u);
        written_[{vm, {level, u.entry}}].insert(u.new_value);
      }
    }
    // The replay is the engine's final state, entry by entry and walk by walk.
    shadow.for_each_page([&](int level, uint64_t page, const uint64_t* entries) {
      for (uint64_t i = 0; i < 512; ++i) ASSERT_EQ(engine_.read_entry(vm, level, page + i * 8), entries[i]);
    });
    for (const auto* ipas : {&page_ipas_, &block_ipas_, &holes_}) {
      for (uint64_t ipa : *ipas) EXPECT_EQ(engine_.pt_map(vm, ipa), shadow.pt_map(ipa)) << std::hex << ipa;
    }
    EXPECT_TRUE(engine_.check_valid_lnpt(vm).ok()) << "vm " << vm;
    EXPECT_EQ(engine_.tstate(vm), 0);
    EXPECT_TRUE(engine_.pending_updates(vm).empty());
  }

  // Every value a walker read at an entry is 0 or a value written there; table entries read
  // non-zero hold their final value.
  void check_observations() {
    size_t checked = 0;
    for (const auto& seen : observed_) {
      for (const Observation& o : seen) {
        ++checked;
        if (o.value == 0) continue;
        const auto it = written_.find({o.vm, {o.level, o.entry}});
        ASSERT_TRUE(it != written_.end() && it->second.count(o.value))
            << "vm " << o.vm << " level " << o.level << " entry " << std::hex << o.entry << " value " << o.value;
        const bool table = o.level < 2 || (o.level == 2 && (o.value & 3) == 3);
        if (table) {
          EXPECT_EQ(engine_.read_entry(o.vm, o.level, o.entry), o.value);
        }
      }
    }
    EXPECT_GT(checked, 0u);
  }

  const SectionPolicy policy_;
  Stage2Engine engine_;
  const std::vector<uint64_t> page_ipas_ = PageIpas(), block_ipas_ = BlockIpas(), holes_ = HoleIpas();
  std::vector<Writer> writers_;
  std::unordered_map<uint32_t, std::unordered_map<uint64_t, std::unordered_set<uint64_t>>> allowed_;
  std::atomic<int> writers_running_{0};
  std::atomic<int> walkers_started_{0};
  std::atomic<bool> go_{false};
  std::mutex fail_mu_;
  std::vector<std::string> failures_;
  std::vector<std::unordered_set<Observation, ObservationHash>> observed_ =
      std::vector<std::unordered_set<Observation, ObservationHash>>(kWalkers);
  std::vector<uint64_t> walks_during_writes_ = std::vector<uint64_t>(kWalkers, 0);
  std::map<std::pair<uint32_t, std::pair<int, uint64_t>>, std::unordered_set<uint64_t>> written_;
};

TEST_P(ConcurrencyTest, WritersAndLockFreeWalkers) {
  plan();
  run_threads();
  for (const std::string& f : failures_) ADD_FAILURE() << f;
  ASSERT_TRUE(failures_.empty());
  uint64_t concurrent_walks = 0;
  for (uint64_t n : walks_during_writes_) concurrent_walks += n;
  EXPECT_GT(concurrent_walks, 0u);
  for (uint32_t vm : kVms) {
    replay(vm);
    if (HasFatalFailure()) return;
  }
  check_observations();
  // Other VMs were never touched.
  EXPECT_EQ(engine_.pt_pgd_next(0), SPgdStart(0));
  EXPECT_EQ(engine_.pt_pgd_next(4), SPgdStart(4));
}

INSTANTIATE_TEST_SUITE_P(Policies, ConcurrencyTest,
                         ::testing::Values(SectionPolicy::kSekvm, SectionPolicy::kBatched),
                         [](const ::testing::TestParamInfo<SectionPolicy>& p) {
                           return p.param == SectionPolicy::kSekvm ? "Sekvm" : "Batched";
                         });

// open_section blocks while another thread holds the VM; other VMs stay available.
TEST(LockTest, OpenSectionWaitsForTheHolder) {
  Stage2Engine engine;
  CriticalSection held;
  ASSERT_EQ(engine.open_section(5, &held), NptError::kOk);
  ASSERT_EQ(held.set_npt(SIpa(0, 0, 0, 1), 3, 0x1000443), NptError::kOk);
  std::atomic<bool> acquired{false};
  std::atomic<bool> other_vm_ok{false};
  uint64_t seq_seen = 99;
  uint64_t old_seen = 0;
  std::thread t([&] {
    CriticalSection other;
    const bool ok = engine.open_section(6, &other) == NptError::kOk;  // not blocked by VM 5
    other.close();
    other_vm_ok = ok;
    CriticalSection cs;
    ASSERT_EQ(engine.open_section(5, &cs), NptError::kOk);
    acquired = true;
    // The holder's section is complete: tstate and the buffer start empty.
    EXPECT_EQ(engine.tstate(5), 0);
    EXPECT_TRUE(engine.pending_updates(5).empty());
    EXPECT_EQ(cs.set_npt(SIpa(0, 0, 0, 1), 3, 0x2000443), NptError::kOk);
    const Section s = cs.close();
    seq_seen = s.seq;
    old_seen = s.updates.at(0).old_value;
  });
  while (!other_vm_ok.load()) std::this_thread::yield();  // VM 6 opened while VM 5 is held
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(acquired.load());  // still waiting for VM 5's lock
  const Section first = held.close();
  t.join();
  EXPECT_TRUE(acquired.load());
  EXPECT_EQ(first.seq, 0u);
  EXPECT_EQ(seq_seen, 1u);
  EXPECT_EQ(old_seen, 0x1000443u);
  EXPECT_EQ(engine.pt_map(5, SIpa(0, 0, 0, 1)), 0x2000443u);
}

}  // namespace
}  // namespace ptx
