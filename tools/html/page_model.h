// SPDX-License-Identifier: BSD-2-Clause
// The data of one interactive violation page (and of the index of all pages), as plain structs.
//
// A violation group is one IPA class of one critical section whose walk, after some subset of the
// section's writes applied in some order (the witness), reaches a third mapping: neither the
// before- nor the after-mapping. Whoever builds these structs (from ptx's explorer) fills every
// field; render_violation_page() (html_page.h) only formats them: it decodes nothing and checks
// nothing, so the strings appear on the page exactly as given.
//
// The page's script gets the same data as JSON (page_data_json()); every uint64_t travels as a
// "0x..." hex string there, since JavaScript numbers hold only 53 bits.
#ifndef PTX_TOOLS_HTML_PAGE_MODEL_H_
#define PTX_TOOLS_HTML_PAGE_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

namespace ptx::html {

// One page-table entry on a walk.
struct EntryView {
  int level = 0;            // 0 (root) .. 3
  std::string kind;         // "PGD", "PUD", "PMD" or "PTE"
  uint64_t entry = 0;       // the entry's address in the page-table pool
  uint64_t value = 0;       // the descriptor the walk reads there
  std::string decoded;      // "table -> 0x11000", "page 0x80000000 RW", "block 0x40000000", "invalid"
  bool changed = false;     // value differs from this entry's value in the before-state
  bool written_by_witness = false;  // a witness write (already applied at this state) wrote it

  friend bool operator==(const EntryView&, const EntryView&) = default;
};

// One walk of the group's IPA in one state: root first, the entry the walk stops at last.
struct WalkView {
  std::vector<EntryView> path;
  std::string result;       // "maps 0x80000000 (page)" or "no mapping (fault)"
  uint64_t mapping = 0;     // the leaf descriptor the walk yields, 0 when it faults
  // "before", "after", "observed (wrong translation)" or "observed (transient fault)"; the page
  // colours the mapping box by it (green, blue, red, orange; grey for anything else).
  std::string verdict;

  friend bool operator==(const WalkView&, const WalkView&) = default;
};

// One write of the critical section, in program order.
struct UpdateView {
  uint32_t index = 0;       // position in the section's update list (what `witness` refers to)
  std::string kind;         // "PGD", "PUD", "PMD" or "PTE"
  int level = 0;
  uint64_t entry = 0;
  uint64_t old_value = 0;
  uint64_t new_value = 0;
  std::string old_decoded;
  std::string new_decoded;
  bool in_witness = false;  // the witness applies it (its order: position in ViolationPage::witness)

  friend bool operator==(const UpdateView&, const UpdateView&) = default;
};

// A link from one page to another: its text and the page's file, relative to this one.
struct PageLink {
  std::string label;
  std::string file;
  friend bool operator==(const PageLink&, const PageLink&) = default;
};

struct ViolationPage {
  std::string title;          // the page's <title> and heading
  std::string section;        // "vm 1, section 17 (workload.txt:12)"
  std::string verdict_class;  // "wrong-translation" or "transient-fault"
  uint64_t ipa = 0;           // the representative IPA whose walks are drawn
  std::string ipa_range;      // its class: "0x40000000-0x401fffff (512 IPAs)"
  std::string lists;          // "84 of 109601 lists"
  std::vector<UpdateView> updates;  // the whole section, in program order
  std::vector<uint32_t> witness;    // update indexes, in application order
  WalkView before;
  WalkView after;
  // steps[k] is the walk after the first k witness writes: steps.size() == witness.size() + 1 and
  // steps[0] == before. The page clamps to the shorter of the two if they disagree.
  std::vector<WalkView> steps;
  // The bug signature the page shows (report/signature.h), "" for none, and the pages of its other
  // examples; a page with a signature links back to index.html.
  std::string signature;
  std::vector<PageLink> examples;

  friend bool operator==(const ViolationPage&, const ViolationPage&) = default;
};

// One row of index.html: one violation group and the page that shows it.
struct IndexRow {
  std::string file;           // the page, relative to index.html: "vm1-s17-ipa0x40000000.html"
  std::string section;
  std::string verdict_class;
  std::string ipa_range;
  std::string lists;
  uint64_t ipas = 0;          // how many IPAs the group covers

  friend bool operator==(const IndexRow&, const IndexRow&) = default;
};

// One row of the signature index (render_signature_index): one bug signature, its counts and
// first occurrence, the page of its representative ("" when it has none: a finding or a TLB
// verdict) and the pages of its other examples.
struct SignatureRow {
  std::string id;             // "S3f9a01c2"
  std::string severity;       // "error", "warning" or "info"
  std::string verdict;        // "wrong-translation", "tlb stale-mapping (no-tlbi)", ...
  std::string key;            // the rest of the key: ops, levels, locations, shape
  uint64_t sections = 0;
  uint64_t occurrences = 0;
  std::string first;          // "vm 1 seq 17 (workload.txt:12)"
  std::string page;
  std::vector<PageLink> examples;

  friend bool operator==(const SignatureRow&, const SignatureRow&) = default;
};

}  // namespace ptx::html

#endif  // PTX_TOOLS_HTML_PAGE_MODEL_H_
