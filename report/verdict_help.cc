// SPDX-License-Identifier: BSD-2-Clause
#include "report/verdict_help.h"

#include <array>
#include <utility>

namespace ptx::report {
namespace {

struct Entry {
  std::string_view name;
  VerdictHelp help;
};

constexpr std::array<Entry, 15> kVerdicts{{
    {"wrong-translation",
     {"Some subset and order of the section's writes lets a walk reach an output or permissions that neither the "
      "before- nor the after-mapping has.",
      "Make every intermediate state map the address to its before- or after-mapping: write fresh (zeroed) tables "
      "before linking them, change a valid leaf in one write or break-before-make, and end every section with a "
      "barrier."}},
    {"transient-fault",
     {"Some subset and order of the section's writes lets a walk find no mapping where the before- and "
      "after-mappings both map: the access faults and is retried.",
      "Allowed by break-before-make (--allow transient-faults); otherwise write the new mapping in one write."}},
    {"tlb-conflict",
     {"Two TLB entries for one address may be held at once with different outputs or sizes (a TLB conflict abort "
      "or a wrong translation).",
      "Break before make: write the entry invalid, DSB, TLBI of the address, DSB, then write the new value."}},
    {"bbml2-multihit",
     {"A block and its replacement may both be cached under FEAT_BBM level 2 (a warning).",
      "Invalidate the old entry before the new one is used, or rely on a level that allows it."}},
    {"stale-mapping",
     {"After the section, a TLB or walk cache may still hold a translation its writes removed or changed.",
      "Invalidate the address (TLBI by IPA and, for tables, the combined entries) after a DSB that completes the "
      "write, and wait for it with a DSB before the unlock."}},
    {"stale-permission",
     {"A cached entry may still grant permissions the section removed (a warning: the access faults at worst).",
      "Invalidate the entry after changing its permissions."}},
    {"stale-benign",
     {"A cached entry may be stale but maps what memory maps (information only).", "Nothing."}},
    {"freed-while-cached",
     {"A page-table page was freed while a TLB or walk cache may still hold entries read from it.",
      "Unlink the table, DSB, TLBI, DSB, and only then free the page."}},
    {"vmid-reuse",
     {"A VMID was given to a new context while entries of its previous one may still be cached.",
      "Invalidate everything of the VMID (TLBI VMALLS12E1IS) before reusing it."}},
    {"unlocked-write",
     {"A thread writes a page-table entry of a live root without holding that table's lock (also when the value "
      "does not change): nothing orders it with the walks and sections around it.",
      "Take the page table's lock around every write to a live table."}},
    {"mem-read",
     {"A traced read returned a value memory does not hold: the trace misses a write, or the code raced one.",
      "Record every write to page-table memory, or take the lock that orders the read."}},
    {"lock-conflict",
     {"A thread took a lock another thread holds: the trace's lock events do not nest as locks do.",
      "Record lock and unlock events at the real lock operations."}},
    {"no-tlbi", {"", "Issue the TLBI the removed or changed entry needs."}},
    {"tlbi-before-dsb", {"", "Put a DSB between the write and its TLBI, so that the TLBI sees the new entry."}},
    {"ttl-mismatch", {"", "Give the TLBI the level of the entry it invalidates as TTL hint, or no hint."}},
}};

constexpr std::array<Entry, 4> kKernelFindings{{
    {"no-root-lock",
     {"A live root's table is written by a thread holding no lock, and the root has no lock at all (no "
      "set_root_lock hint, no writer ever held one).",
      "Record set_root_lock when the table is created, or the lock the code takes."}},
    {"shared-entry",
     {"Two critical sections open together under a lock held shared write the same entry, the later not by a "
      "compare-and-swap that found the other's value.",
      "Update shared entries with compare-and-swap and retry on failure, or take the lock for write."}},
    {"kernel-warn",
     {"The kernel code's WARN_ON, WARN_ON_ONCE or BUG_ON fired.", "Read the check at the file and line it names."}},
    {"wrong-result",
     {"After a page-table API call the table maps an IPA of the call's range otherwise than the API's contract "
      "says (the reference map).",
      "Fix the call's code path: it left the table in a state its contract does not allow."}},
}};

constexpr std::array<Entry, 4> kMoreCauses{{
    {"wrong-vmid", {"", "Invalidate with the VMID of the context that cached the entry."}},
    {"local-tlbi", {"", "Use the inner-shareable form (...IS) so that every CPU's TLB is invalidated."}},
    {"not-completed", {"", "Wait for the TLBI with a DSB before the unlock."}},
    {"no-stage1-tlbi", {"", "Also invalidate the combined stage-1 entries (TLBI VMALLE1IS)."}},
}};

const VerdictHelp* find(std::string_view name) {
  for (const Entry& e : kVerdicts) {
    if (e.name == name) return &e.help;
  }
  for (const Entry& e : kKernelFindings) {
    if (e.name == name) return &e.help;
  }
  for (const Entry& e : kMoreCauses) {
    if (e.name == name) return &e.help;
  }
  return nullptr;
}

}  // namespace

VerdictHelp verdict_help(std::string_view verdict, std::string_view cause) {
  const VerdictHelp* v = find(verdict);
  VerdictHelp h = v != nullptr ? *v
                               : VerdictHelp{"A verdict of the Arm-trace check (see docs/verdicts.md).",
                                             "See docs/verdicts.md for this verdict."};
  const size_t comma = cause.find(',');
  const VerdictHelp* c = find(cause.substr(0, comma));
  if (c != nullptr && !c->fix.empty()) h.fix = c->fix;
  return h;
}

}  // namespace ptx::report
