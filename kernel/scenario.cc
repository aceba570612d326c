// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/scenario.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "base/number.h"

namespace ptx::kernel {

namespace {

constexpr uint64_t kKiB4 = 4096, kMiB2 = uint64_t{2} << 20, kGiB1 = uint64_t{1} << 30;
constexpr uint64_t kIpaLimit = uint64_t{1} << 48;
constexpr size_t kMaxThreads = 4, kMaxCalls = 16;

const char* const kCallNames[] = {"fault", "unmap", "wrprotect", "access", "age", "split"};
constexpr uint32_t kArgs[] = {4, 2, 2, 1, 2, 2};  // operands after the name (fault: and optional logging)

std::vector<std::string_view> words_of(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
    const size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\r') ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

std::optional<uint64_t> size_of(std::string_view w) {
  if (w == "4K") return kKiB4;
  if (w == "2M") return kMiB2;
  if (w == "1G") return kGiB1;
  return parse_u64(w);
}

std::optional<uint32_t> prot_of(std::string_view w) {
  uint32_t p = 0;
  for (char c : w) {
    const uint32_t bit = c == 'r' ? PTX_K_PROT_R : c == 'w' ? PTX_K_PROT_W : c == 'x' ? PTX_K_PROT_X
                       : c == 'd' ? PTX_K_PROT_DEVICE : 0;
    if (bit == 0 || (p & bit) != 0) return std::nullopt;
    p |= bit;
  }
  if (w.empty()) return std::nullopt;
  return p;
}

// The operands of call `c` (its kind set) from words[1..]; "" or what is wrong.
std::string operands(const std::vector<std::string_view>& w, ptx_k_call* c) {
  const uint32_t want = kArgs[c->kind];
  const bool logging = c->kind == PTX_K_FAULT && w.size() == want + 2 && w.back() == "logging";
  if (w.size() != want + 1 && !logging) {
    return fmt::format("{} takes {} operands (scenario.h)", kCallNames[c->kind], want);
  }
  const std::optional<uint64_t> ipa = parse_u64(w[1]);
  if (!ipa) return fmt::format("'{}' is not a number (IPA)", w[1]);
  c->ipa = *ipa;
  c->size = kKiB4;
  if (want >= 2) {
    const std::optional<uint64_t> size = size_of(w[2]);
    if (!size || (*size != kKiB4 && *size != kMiB2 && *size != kGiB1 && c->kind == PTX_K_FAULT) || *size == 0 ||
        (*size & (kKiB4 - 1)) != 0) {
      return fmt::format("'{}' is not a size (4K, 2M, 1G; a fault maps one of them, others whole pages)", w[2]);
    }
    c->size = *size;
  }
  if (c->kind == PTX_K_FAULT) {
    const std::optional<uint64_t> pa = parse_u64(w[3]);
    const std::optional<uint32_t> prot = prot_of(w[4]);
    if (!pa || *pa % c->size != 0 || *pa >= kIpaLimit) return fmt::format("'{}' is not an output address aligned to the size", w[3]);
    if (!prot) return fmt::format("'{}' is not permissions (letters r, w, x, d, each once)", w[4]);
    c->pa = *pa;
    c->prot = *prot;
    c->logging = logging ? 1 : 0;
  }
  const uint64_t align = c->kind == PTX_K_FAULT ? c->size : kKiB4;
  if (c->ipa % align != 0) return fmt::format("the IPA is not aligned to {:#x} bytes", align);
  if (c->ipa >= kIpaLimit || kIpaLimit - c->ipa < c->size) return "IPA + SIZE is beyond 2^48 (48-bit IPA space)";
  return "";
}

std::string parse_call(std::string_view text, ptx_k_call* c) {
  const std::vector<std::string_view> w = words_of(text);
  if (w.empty()) return "an empty call";
  const auto* it = std::find(std::begin(kCallNames), std::end(kCallNames), w[0]);
  if (it == std::end(kCallNames)) {
    return fmt::format("'{}' is not a call (fault, unmap, wrprotect, access, age, split)", w[0]);
  }
  *c = ptx_k_call{};
  c->kind = static_cast<uint32_t>(it - std::begin(kCallNames));
  return operands(w, c);
}

// One statement (comment stripped, not blank) into *s; "" or what is wrong.
std::string statement(std::string_view line, Scenario* s) {
  const size_t sp = std::min(line.find_first_of(" \t"), line.size());
  const std::string_view head = line.substr(0, sp), rest = line.substr(sp);
  if (head == "scenario") {
    const std::vector<std::string_view> w = words_of(rest);
    if (!s->name.empty()) return "a second scenario line";
    if (w.size() != 1 || !std::all_of(w[0].begin(), w[0].end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
        })) {
      return "scenario takes one name of letters, digits, '-' and '_'";
    }
    s->name = std::string(w[0]);
    return "";
  }
  if (head != "setup" && head != "thread") return fmt::format("'{}' is not a statement (scenario, setup, thread)", head);
  std::vector<ptx_k_call> calls;
  size_t at = 0;
  while (at <= rest.size()) {
    const size_t semi = std::min(rest.find(';', at), rest.size());
    ptx_k_call c;
    if (std::string why = parse_call(rest.substr(at, semi - at), &c); !why.empty()) return why;
    calls.push_back(c);
    at = semi + 1;
  }
  if (head == "setup") {
    if (calls.size() != 1) return "setup takes one call a line";
    if (s->setup.size() == kMaxCalls) return "more than 16 setup calls";
    s->setup.push_back(calls[0]);
    return "";
  }
  if (s->threads.size() == kMaxThreads) return "more than 4 threads (a VM's vCPUs here are 1..4)";
  if (calls.size() > kMaxCalls) return "more than 16 calls in a thread";
  s->threads.push_back(std::move(calls));
  return "";
}

}  // namespace

StatusOr<Scenario> parse_scenario(std::string_view text, const std::string& source) {
  Scenario s;
  size_t at = 0, line = 0;
  while (at < text.size()) {
    const size_t nl = std::min(text.find('\n', at), text.size());
    std::string_view l = text.substr(at, nl - at);
    at = nl + 1;
    ++line;
    l = l.substr(0, std::min(l.find('#'), l.size()));
    if (words_of(l).empty()) continue;
    const size_t b = l.find_first_not_of(" \t");
    if (std::string why = statement(l.substr(b), &s); !why.empty()) {
      return bad_input("{}:{}: {}: scenario format (docs/schedules.md)", source, line, why);
    }
  }
  if (s.name.empty()) return bad_input("{}: no 'scenario NAME' line: scenario format (docs/schedules.md)", source);
  if (s.threads.empty()) return bad_input("{}: no thread: a scenario runs 1..4 threads", source);
  return s;
}

std::string call_text(const ptx_k_call& c) {
  const uint32_t kind = c.kind < PTX_K_CALL_KINDS ? c.kind : 0;
  const std::string size = c.size == kKiB4 ? "4K" : c.size == kMiB2 ? "2M" : c.size == kGiB1 ? "1G"
                                                                                           : fmt::format("{:#x}", c.size);
  if (kind == PTX_K_ACCESS) return fmt::format("access {:#x}", c.ipa);
  if (kind != PTX_K_FAULT) return fmt::format("{} {:#x} {}", kCallNames[kind], c.ipa, size);
  std::string prot;
  for (const auto& [bit, ch] : {std::pair{PTX_K_PROT_R, 'r'}, {PTX_K_PROT_W, 'w'}, {PTX_K_PROT_X, 'x'},
                                {PTX_K_PROT_DEVICE, 'd'}}) {
    if (c.prot & bit) prot += ch;
  }
  return fmt::format("fault {:#x} {} {:#x} {}{}", c.ipa, size, c.pa, prot, c.logging ? " logging" : "");
}

}  // namespace ptx::kernel
