// SPDX-License-Identifier: BSD-2-Clause
#include "tools/draw/interleaving_dot.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "explorer/sample_and_shuffle.h"

extern "C" char** environ;  // posix_spawnp passes the environment on

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

// One column: the walk of `ipa` in `state` (walked as `t` walks its memory), entries differing
// from the before-state in bold.
void walk_column(std::string& dot, const char* id, const std::string& label, const NptImage& state,
                 const Tables& t, uint64_t ipa, uint64_t mapping, const char* color) {
  const Geometry& g = t.geometry;
  const NptImage& before = t.memory;
  const WalkResult w = Tables(state, t.root, g).walk(ipa);
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

std::string interleaving_dot(const Tables& t, std::span<const Update> updates, const Violation& v,
                             CompareMode compare, const std::string& title) {
  const NptImage& before = t.memory;
  NptImage after = before;
  for (const Update& u : updates) after.apply(u);
  std::vector<Update> witness;
  for (uint32_t i : v.witness) witness.push_back(updates[i]);
  NptImage observed = before;
  for (uint32_t i = 0; i < v.epoch_start; ++i) observed.apply(updates[i]);  // earlier barrier epochs
  update_npt(witness, observed);  // Coq order: the head is applied last

  std::string dot = "digraph interleaving {\n  rankdir=TB; fontname=\"Helvetica\"; node [fontname=\"Helvetica\"];\n";
  dot += fmt::format("  label=\"{}\\nIPA {}: before {}, after {}, observed {} ({} mapping; {} of {} update "
                     "lists expose it)\"; labelloc=t;\n",
                     escape(title), hex(v.ipa), hex(v.before), hex(v.after), hex(v.observed),
                     compare_mode_name(compare), to_string(v.sequences), to_string(sequence_count(updates.size())));
  walk_column(dot, "before", "before the section", before, t, v.ipa, v.before, "palegreen");
  walk_column(dot, "observed", "after the witness writes only", observed, t, v.ipa, v.observed, "salmon");
  walk_column(dot, "after", "after the section", after, t, v.ipa, v.after, "lightblue");

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

namespace {

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// The source, in an unlinked temporary file positioned at its start.
StatusOr<std::FILE*> source_file(const std::string& source) {
  std::FILE* f = std::tmpfile();
  if (f == nullptr) return io_error("Graphviz: cannot create a temporary file: {}", std::strerror(errno));
  if (std::fwrite(source.data(), 1, source.size(), f) != source.size() || std::fflush(f) != 0 ||
      std::fseek(f, 0, SEEK_SET) != 0) {
    std::fclose(f);
    return io_error("Graphviz: writing a temporary file: {}", std::strerror(errno));
  }
  return f;
}

}  // namespace

StatusOr<std::string> render_dot(const std::string& dot_source, const std::string& format) {
  PTX_ASSIGN_OR_RETURN(std::FILE* const in, source_file(dot_source));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in_guard(in, &std::fclose);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return io_error("Graphviz: pipe: {}", std::strerror(errno));
  Fd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, ::fileno(in), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&fa, write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  const std::string fmt_arg = "-T" + format;
  char* argv[] = {const_cast<char*>("dot"), const_cast<char*>(fmt_arg.c_str()), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, "dot", &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return unsupported("Graphviz dot is not installed (apt-get install -y graphviz)");
  write_end.reset();  // the child holds the write end now; EOF comes when it exits
  std::string out;
  char buf[65536];
  for (ssize_t n; (n = ::read(read_end.get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status)) return internal_error("Graphviz dot did not finish");
  if (WEXITSTATUS(status) != 0) return bad_input("Graphviz dot failed with status {}", WEXITSTATUS(status));
  return out;
}

}  // namespace ptx
