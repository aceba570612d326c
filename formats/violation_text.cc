// SPDX-License-Identifier: BSD-2-Clause
#include "formats/violation_text.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "pagetable/describe.h"

namespace ptx::formats {
namespace {

// A mapping value (a walk's final descriptor, or a translation) decoded as the leaf it most
// likely is: bits[1:0] 0b11 a page, else a block of the lowest block level (display only: the
// walk's level is not kept with the mapping).
std::string mapping_line(const Geometry& g, const char* what, uint64_t m) {
  const int level = (m & 3) == 3 ? g.leaf_level() : g.block_level();
  return fmt::format("    {:<8} {:#x}  {}\n", what, m, m == 0 ? "no mapping" : describe_descriptor(g, level, m));
}

std::string where_line(const CheckedSection& s, const std::string& source) {
  if (!s.context) return fmt::format("vm {} section {} ({}:{})", s.section.vmid, s.section.seq, source, s.line);
  const SectionContext& c = *s.context;
  return fmt::format("tid {} lock {:#x} ({}:{}-{}{}), stage-{} root {:#x} (id {})", c.tid, c.lock, source, c.first_line,
                     c.last_line, c.open_at_end ? ", open at the end" : "", c.stage, c.root, c.id);
}

std::string ops_line(const Section& s) {
  std::string ops;
  for (const MapOp& op : s.ops) {
    ops += op.kind == OpKind::kMap
               ? fmt::format("{}map {:#x} level {} {:#x}", ops.empty() ? "" : "; ", op.ipa, op.level, op.descriptor)
               : fmt::format("{}unmap {:#x} level {}", ops.empty() ? "" : "; ", op.ipa, op.level);
  }
  return ops.empty() ? "" : "    ops: " + ops + "\n";
}

// The text of update i of s (its line and source location, a barrier after it).
std::string update_line(const CheckedSection& s, size_t i, bool in_witness, const Geometry& g) {
  const Update& u = s.section.updates[i];
  const int level = static_cast<int>(u.kind);
  std::string out = fmt::format("      {} #{} {} {:#x}  {:#x} ({}) -> {:#x} ({})", in_witness ? "*" : " ", i,
                                update_kind_name(u.kind), u.entry, u.old_value, describe_descriptor(g, level, u.old_value),
                                u.new_value, describe_descriptor(g, level, u.new_value));
  if (s.context && i < s.context->update_srcs.size()) {
    out += fmt::format("  [line {}, {}]", s.context->update_lines[i], s.context->update_srcs[i]);
  }
  if (s.context && std::find(s.context->barriers.begin(), s.context->barriers.end(), i + 1) != s.context->barriers.end()) {
    out += "  | barrier";
  }
  return out + "\n";
}

// Every update of a section of at most kListedUpdates; of a longer one (a split, a hot-unplug: a
// thousand writes), the witness's updates, those next to them, the first and the last few, and a
// line for each run left out.
constexpr size_t kListedUpdates = 24, kEnds = 4;

std::string updates_lines(const CheckedSection& s, const Violation& w, const Geometry& g) {
  const size_t n = s.section.updates.size();
  std::vector<bool> in(n, false), shown(n, n <= kListedUpdates);
  for (uint32_t i : w.witness) {
    if (i >= n) continue;
    in[i] = true;
    for (size_t j = i > 0 ? i - 1 : 0; j <= i + 1 && j < n; ++j) shown[j] = true;
  }
  for (size_t i = 0; i < n && i < kEnds; ++i) shown[i] = shown[n - 1 - i] = true;
  std::string out = "    updates (program order; * = the witness):\n";
  for (size_t i = 0; i < n;) {
    if (shown[i]) {
      out += update_line(s, i, in[i], g);
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && !shown[j]) ++j;
    out += fmt::format("        ... #{}..#{}: {} updates not shown (the JSON report lists every one)\n", i, j - 1, j - i);
    i = j;
  }
  return out;
}

std::string witness_line(const Violation& w) {
  std::string list;
  for (uint32_t i : w.witness) list += fmt::format("{}{}", list.empty() ? "" : ", ", i);
  if (w.epoch_start == 0) return fmt::format("    witness: updates [{}]: apply them, in any order, to the before-state\n", list);
  return fmt::format("    witness: updates 0..{} in program order (complete at a barrier), then [{}] in any order\n",
                     w.epoch_start - 1, list);
}

}  // namespace

Geometry display_geometry(const CheckedSection& s) { return s.context ? Geometry::arm() : Geometry::sekvm(); }

std::string describe_group(const CheckedSection& s, const ViolationGroup& g, size_t index, size_t count,
                           const std::string& source) {
  const Geometry geo = display_geometry(s);
  const Violation& w = s.exploration.violations[g.witness];
  const std::string ipas = g.first_ipa == g.last_ipa ? fmt::format("ipa {:#x}", g.first_ipa)
                                                     : fmt::format("ipas {:#x}..{:#x}", g.first_ipa, g.last_ipa);
  std::string out = fmt::format("violation group {} of {}: {}, {}\n", index, count, violation_class_name(g.cls),
                                where_line(s, source));
  out += fmt::format("    {} ({} IPA{}), exposed by {}\n", ipas, g.ipas, g.ipas == 1 ? "" : "s",
                     lists_text(g, s.exploration));
  out += mapping_line(geo, "before", g.before);
  out += mapping_line(geo, "observed", g.observed);
  out += mapping_line(geo, "after", g.after);
  out += ops_line(s.section);
  out += updates_lines(s, w, geo);
  out += witness_line(w);
  return out;
}

}  // namespace ptx::formats
