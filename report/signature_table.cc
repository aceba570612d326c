// SPDX-License-Identifier: BSD-2-Clause
#include "report/signature_table.h"

#include <algorithm>
#include <tuple>

namespace ptx::report {

Occurrence occurrence_of(const CheckedSection& s, uint64_t order) {
  Occurrence o;
  o.vmid = s.section.vmid;
  o.seq = s.section.seq;
  o.line = s.line;
  if (s.context) {
    o.traced = true;
    o.vmid = s.context->id;
    o.line = s.context->first_line;
    o.lane = 0;
    o.pos = order;
  } else {
    o.lane = s.section.vmid;
    o.pos = s.section.seq;
  }
  return o;
}

SignatureEntry& SignatureTable::entry(const std::string& text, const SignatureKey* key) {
  auto [it, fresh] = map_.try_emplace(text);
  if (fresh) {
    it->second.key = *key;
    it->second.id = key->id();
  }
  return it->second;
}

// Counts one occurrence in `e`; `new_section`: the first of its section (or record) in `e`.
bool SignatureTable::occur(SignatureEntry& e, const Occurrence& at, bool new_section) {
  ++e.occurrences;
  e.last = at;
  if (!new_section) return false;
  ++e.sections;
  if (e.examples.size() >= examples_) return false;
  e.examples.push_back(at);
  return true;
}

bool SignatureTable::add_section(const CheckedSection& s, const Occurrence& at) {
  bool example = false;
  std::vector<const SignatureEntry*> seen;  // the entries this section touched
  for (size_t i = 0; i < s.exploration.violations.size(); ++i) {
    const SignatureKey key = violation_signature(s, s.exploration.violations[i]);
    SignatureEntry& e = entry(key.text(), &key);
    const bool new_section = std::find(seen.begin(), seen.end(), &e) == seen.end();
    if (new_section) seen.push_back(&e);
    if (new_section && e.representative == nullptr) {
      e.representative = std::make_shared<const CheckedSection>(s);
      e.violation = i;
    }
    example = occur(e, at, new_section) || example;
  }
  return example;
}

bool SignatureTable::add_finding(const Finding& f, const Occurrence& at) {
  const SignatureKey key = finding_signature(f);
  SignatureEntry& e = entry(key.text(), &key);
  if (e.occurrences == 0) {
    e.detail = f.detail;
    e.src = f.src;
  }
  return occur(e, at, e.occurrences == 0 || !(e.last == at));
}

bool SignatureTable::add_tlb(const tlb::TlbFinding& f, const Occurrence& at) {
  const SignatureKey key = tlb_signature(f);
  SignatureEntry& e = entry(key.text(), &key);
  if (e.occurrences == 0) {
    e.detail = f.detail;
    e.src = f.src;
  }
  return occur(e, at, e.occurrences == 0 || !(e.last == at));
}

void SignatureTable::merge(const SignatureTable& other) {
  for (const auto& [text, o] : other.map_) {
    auto [it, fresh] = map_.try_emplace(text, o);
    if (fresh) continue;
    SignatureEntry& e = it->second;
    const bool other_first = o.first() < e.first();
    e.sections += o.sections;
    e.occurrences += o.occurrences;
    e.last = std::max(e.last, o.last);
    std::vector<Occurrence> all = e.examples;
    all.insert(all.end(), o.examples.begin(), o.examples.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    if (all.size() > examples_) all.resize(examples_);
    e.examples = std::move(all);
    if (other_first) {
      e.representative = o.representative;
      e.violation = o.violation;
      e.detail = o.detail;
      e.src = o.src;
    }
  }
}

std::vector<SignatureEntry> SignatureTable::entries() const {
  std::vector<SignatureEntry> out;
  out.reserve(map_.size());
  for (const auto& [text, e] : map_) out.push_back(e);
  std::sort(out.begin(), out.end(), [](const SignatureEntry& a, const SignatureEntry& b) {
    const auto rank = [](const SignatureEntry& e) {
      return std::make_tuple(-static_cast<int>(e.key.severity), static_cast<int>(e.key.family));
    };
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (!(a.first() == b.first())) return a.first() < b.first();
    return a.key.text() < b.key.text();
  });
  return out;
}

}  // namespace ptx::report
