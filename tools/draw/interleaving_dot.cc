#include "tools/draw/interleaving_dot.h"

#include <sys/wait.h>

#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "explorer/sample_and_shuffle.h"

namespace ptx {

namespace {

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// One column: the walk of `ipa` in `state`, entries differing from `before` in bold.
void walk_column(std::string& dot, const char* id, const std::string& label, const NptImage& state,
                 const NptImage& before, uint64_t ipa, uint64_t mapping, const char* color) {
  const Geometry& g = state.geometry();
  const WalkResult w = state.walk(ipa);
  dot += fmt::format("  subgraph cluster_{0} {{\n    label=\"{1}\"; color=\"{2}\"; fontname=\"Helvetica\";\n",
                     id, escape(label), color);
  for (int l = 0; l < w.steps; ++l) {
    const WalkStep& s = w.path[l];
    const bool changed = before.read(l, s.entry) != s.value;
    dot += fmt::format(
        "    {0}_{1} [shape=record, {5}label=\"{{level {1} {2} | entry {3} | {4}}}\"];\n", id, l,
        update_kind_name(kind_at_level(l, g.levels)), hex(s.entry), s.value == 0 ? "0 (invalid)" : hex(s.value),
        changed ? "style=bold, color=red, " : "");
    if (l > 0) dot += fmt::format("    {0}_{1} -> {0}_{2};\n", id, l - 1, l);
  }
  dot += fmt::format("    {0}_map [shape=box, style=filled, fillcolor=\"{1}\", label=\"maps to {2}\"];\n", id,
                     color, mapping == 0 ? "nothing (fault)" : hex(mapping));
  dot += fmt::format("    {0}_{1} -> {0}_map;\n  }}\n", id, w.steps - 1);
}

}  // namespace

std::string interleaving_dot(const NptImage& before, std::span<const Update> updates, const Violation& v,
                             CompareMode compare, const std::string& title) {
  NptImage after = before;
  for (const Update& u : updates) after.apply(u);
  std::vector<Update> witness;
  for (uint32_t i : v.witness) witness.push_back(updates[i]);
  NptImage observed = before;
  update_npt(witness, observed);  // Coq order: the head is applied last

  std::string dot = "digraph interleaving {\n  rankdir=TB; fontname=\"Helvetica\"; node [fontname=\"Helvetica\"];\n";
  dot += fmt::format("  label=\"{}\\nIPA {}: before {}, after {}, observed {} ({} mapping; {} of {} update "
                     "lists expose it)\"; labelloc=t;\n",
                     escape(title), hex(v.ipa), hex(v.before), hex(v.after), hex(v.observed),
                     compare_mode_name(compare), to_string(v.sequences), to_string(sequence_count(updates.size())));
  walk_column(dot, "before", "before the section", before, before, v.ipa, v.before, "palegreen");
  walk_column(dot, "observed", "after the witness writes only", observed, before, v.ipa, v.observed, "salmon");
  walk_column(dot, "after", "after the section", after, before, v.ipa, v.after, "lightblue");

  dot += "  subgraph cluster_updates {\n    label=\"the section's updates, program order\"; color=gray;\n";
  for (size_t i = 0; i < updates.size(); ++i) {
    const Update& u = updates[i];
    int step = 0;
    for (size_t k = 0; k < v.witness.size(); ++k) {
      if (v.witness[k] == i) step = static_cast<int>(v.witness.size() - k);  // update_npt applies the tail first
    }
    dot += fmt::format("    u{0} [shape=record, {1}label=\"{{#{0} {2} | entry {3} | {4} → {5}{6}}}\"];\n", i,
                       step ? "style=bold, color=red, " : "", update_kind_name(u.kind), hex(u.entry),
                       hex(u.old_value), hex(u.new_value), step ? fmt::format(" | visible (step {})", step) : "");
    if (i > 0) dot += fmt::format("    u{} -> u{} [style=invis];\n", i - 1, i);
  }
  dot += "  }\n}\n";
  return dot;
}

std::string render_dot(const std::string& dot_source, const std::string& format, const std::string& out_path) {
  std::string quoted;  // single-quoted for the shell
  for (char c : out_path) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  const std::string cmd = fmt::format("dot -T{} -o '{}' 2>/dev/null", format, quoted);
  FILE* p = popen(cmd.c_str(), "w");
  if (p == nullptr) return "cannot start Graphviz dot";
  fwrite(dot_source.data(), 1, dot_source.size(), p);
  const int status = pclose(p);
  if (status == -1 || !WIFEXITED(status)) return "Graphviz dot did not finish";
  if (WEXITSTATUS(status) == 127) return "Graphviz dot is not installed (apt-get install -y graphviz)";
  if (WEXITSTATUS(status) != 0) return fmt::format("Graphviz dot failed with status {}", WEXITSTATUS(status));
  return "";
}

}  // namespace ptx
