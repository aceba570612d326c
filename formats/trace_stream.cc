// SPDX-License-Identifier: BSD-2-Clause
#include "formats/trace_stream.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace ptx::formats {

namespace {

// A section line's vmid and seq: peeked, or from parsing the whole line (which reports what is
// wrong with it) when the line does not start as `record` writes it or names no valid VM.
StatusOr<SectionKey> key_of(const std::string& text, SectionPolicy policy) {
  if (const std::optional<SectionKey> k = peek_section_key(text); k && valid_vmid(k->vmid)) return *k;
  PTX_ASSIGN_OR_RETURN(const Section s, parse_trace_section(text, policy));
  return SectionKey{s.vmid, s.seq};
}

void note_section(TraceIndex* x, const SectionKey& k, uint64_t line, uint64_t offset) {
  TraceIndex::Vm& v = x->vms[k.vmid];
  if (k.seq != v.sections) v.in_order = false;
  if (v.sections == 0) {
    v.first_line = line;
    v.first_offset = offset;
  }
  ++v.sections;
}

Status open_trace(const std::string& path, std::ifstream* in) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return bad_input("{}: is a directory, not a trace", path);
  in->open(path, std::ios::binary);
  if (!*in) return io_error("{}: cannot open trace: {}", path, std::strerror(errno));
  return ok_status();
}

}  // namespace

StatusOr<TraceIndex> index_trace(const std::string& path) {
  std::ifstream in;
  PTX_RETURN_IF_ERROR(open_trace(path, &in));
  TraceIndex x;
  x.path = path;
  LineReader reader(in, kMaxTraceLineBytes);
  bool have_header = false;
  uint64_t sections = 0;
  for (std::string text;;) {
    StatusOr<bool> more = reader.next(&text);
    if (!more.ok()) return std::move(more).status().at(path, reader.line());
    if (!*more) break;
    if (text.empty()) continue;
    if (!have_header) {
      have_header = true;
      if (Status s = parse_trace_header(text, &x.header); !s.ok()) return std::move(s).at(path, reader.line());
      continue;
    }
    StatusOr<SectionKey> k = key_of(text, x.header.policy);
    if (!k.ok()) return std::move(k).status().at(path, reader.line());
    note_section(&x, *k, reader.line(), reader.offset());
    ++sections;
  }
  if (!have_header) return bad_input("{}: empty trace (no header line)", path);
  if (x.streamable() && sections != x.header.sections) {
    return bad_input("{}: the header announces {} sections, the file has {} (truncated or edited trace)", path,
                     x.header.sections, sections);
  }
  return x;
}

TraceCursor::TraceCursor(const TraceIndex& index, uint32_t vmid) : index_(index), vmid_(vmid) {}

uint64_t TraceCursor::next_line() const {
  if (seq_ >= index_.vms[vmid_].sections) return UINT64_MAX;
  return primed_ ? pending_line_ : index_.vms[vmid_].first_line;
}

Status TraceCursor::open() {
  file_ = std::make_unique<std::ifstream>();
  PTX_RETURN_IF_ERROR(open_trace(index_.path, file_.get()));
  const TraceIndex::Vm& v = index_.vms[vmid_];
  file_->seekg(static_cast<std::streamoff>(v.first_offset));
  if (!*file_) return io_error("{}: cannot seek to line {}", index_.path, v.first_line);
  reader_ = std::make_unique<LineReader>(*file_, kMaxTraceLineBytes, v.first_line, v.first_offset);
  return ok_status();
}

StatusOr<bool> TraceCursor::read_line_of_vm(std::string* text) {
  for (;;) {
    StatusOr<bool> more = reader_->next(text);
    if (!more.ok()) return std::move(more).status().at(index_.path, reader_->line());
    if (!*more) return false;
    if (text->empty()) continue;
    StatusOr<SectionKey> k = key_of(*text, index_.header.policy);
    if (!k.ok()) return std::move(k).status().at(index_.path, reader_->line());
    if (k->vmid == vmid_) return true;
  }
}

// Reads the VM's next line ahead into pending_ (so that next_line() knows where it is); an error
// is kept for next() to return.
void TraceCursor::prime() {
  primed_ = true;
  if (reader_ == nullptr) {
    if (pending_error_ = open(); !pending_error_.ok()) return;
  }
  StatusOr<bool> found = read_line_of_vm(&pending_);
  pending_line_ = reader_->line();
  if (!found.ok()) {
    pending_error_ = std::move(found).status();
  } else if (!*found) {
    pending_error_ = bad_input("{}: the trace changed while it was read: section vmid {} seq {} is gone",
                               index_.path, vmid_, seq_);
  }
}

StatusOr<bool> TraceCursor::next(TraceSection* out) {
  if (seq_ >= index_.vms[vmid_].sections) return false;
  if (!primed_) prime();
  if (!pending_error_.ok()) return pending_error_;
  StatusOr<Section> s = parse_trace_section(pending_, index_.header.policy);
  if (!s.ok()) return std::move(s).status().at(index_.path, pending_line_);
  if (s->vmid != vmid_ || s->seq != seq_) {
    return std::move(bad_input("the trace changed while it was read: expected section vmid {} seq {} here", vmid_,
                               seq_)).at(index_.path, pending_line_);
  }
  ops_ += s->ops.size();
  *out = TraceSection{std::move(s).value(), pending_line_};
  if (++seq_ < index_.vms[vmid_].sections) prime();
  return true;
}

Status check_op_count(const TraceIndex& index, uint64_t ops) {
  if (ops == index.header.ops) return ok_status();
  return bad_input("{}: the header announces {} sections and {} ops, the file has {} and {} (truncated or edited "
                   "trace)", index.path, index.header.sections, index.header.ops, index.header.sections, ops);
}

}  // namespace ptx::formats
