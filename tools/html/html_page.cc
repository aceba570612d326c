// SPDX-License-Identifier: BSD-2-Clause
#include "tools/html/html_page.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/number.h"
#include "tools/html/html_assets.h"  // generated: assets::kPageJs, kPageTemplate, kIndexTemplate

namespace ptx::html {
namespace {

using nlohmann::json;

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

// A relative file name as a URL path: bytes other than A-Z a-z 0-9 - . _ ~ / are %XX-escaped,
// so names with spaces, '#' or '?' still link to the file.
std::string url_path(std::string_view file) {
  std::string out;
  for (unsigned char c : file) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    out += plain ? std::string(1, static_cast<char>(c)) : fmt::format("%{:02X}", c);
  }
  return out;
}

// "1st", "2nd", "3rd", "4th", ..., "11th", "12th", "13th", "21st", ...
std::string ordinal(size_t n) {
  const char* suffix = "th";
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return fmt::format("{}{}", n, suffix);
}

// Replaces each {{NAME}} of `tmpl` with its value, in one pass (values are not searched again);
// an unknown {{NAME}} stays as it is.
std::string fill_template(std::string_view tmpl,
                          const std::vector<std::pair<std::string_view, std::string>>& values) {
  std::string out;
  out.reserve(tmpl.size());
  size_t pos = 0;
  while (true) {
    size_t open = tmpl.find("{{", pos);
    size_t close = open == std::string_view::npos ? open : tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    std::string_view name = tmpl.substr(open + 2, close - open - 2);
    out.append(tmpl.substr(pos, open - pos));
    const std::string* value = nullptr;
    for (const auto& [key, v] : values) {
      if (key == name) value = &v;
    }
    if (value != nullptr) {
      out += *value;
    } else {
      out.append(tmpl.substr(open, close + 2 - open));
    }
    pos = close + 2;
  }
  out.append(tmpl.substr(pos));
  return out;
}

// The position of update `index` in the witness (0 = applied first), or -1.
int witness_order(const ViolationPage& page, uint32_t index) {
  for (size_t k = 0; k < page.witness.size(); ++k) {
    if (page.witness[k] == index) return static_cast<int>(k);
  }
  return -1;
}

// "updates #2, #0 and #3, in this order".
std::string witness_text(const std::vector<uint32_t>& witness) {
  if (witness.empty()) return "no update (the before-state itself)";
  std::string s = witness.size() == 1 ? "update " : "updates ";
  for (size_t k = 0; k < witness.size(); ++k) {
    if (k > 0) s += k + 1 == witness.size() ? " and " : ", ";
    s += fmt::format("#{}", witness[k]);
  }
  return witness.size() == 1 ? s : s + ", in this order";
}

// One <tr> of the updates table per update; witness rows carry class "witness" and their order.
std::string update_rows(const ViolationPage& page) {
  std::string rows;
  for (const UpdateView& u : page.updates) {
    int order = witness_order(page, u.index);
    rows += fmt::format(
        "    <tr class=\"update{}\" data-index=\"{}\"><td class=\"num\">#{}</td>"
        "<td class=\"order\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}<br><small>{}</small></td>"
        "<td class=\"num\">{}<br><small>{}</small></td></tr>\n",
        u.in_witness ? " witness" : "", u.index, u.index,
        order >= 0 ? ordinal(static_cast<size_t>(order) + 1) : std::string("&#x2014;"),
        html_escape(u.kind), u.level, hex(u.entry), hex(u.old_value), html_escape(u.old_decoded),
        hex(u.new_value), html_escape(u.new_decoded));
  }
  return rows;
}

// One walk as a text table: what the page shows when its script does not run.
std::string walk_table(const std::string& heading, const WalkView& walk) {
  std::string s = fmt::format(
      "  <h3>{}</h3>\n  <table class=\"walk-text\">\n    <thead><tr><th>level</th><th>kind</th>"
      "<th>entry</th><th>value</th><th>decoded</th><th>changed</th><th>witness write</th></tr>"
      "</thead>\n    <tbody>\n",
      html_escape(heading));
  for (const EntryView& e : walk.path) {
    s += fmt::format(
        "      <tr><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        e.level, html_escape(e.kind), hex(e.entry), hex(e.value), html_escape(e.decoded),
        e.changed ? "changed" : "", e.written_by_witness ? "witness" : "");
  }
  s += fmt::format("      <tr><td colspan=\"7\"><b>{}</b> &#x2014; {}</td></tr>\n    </tbody>\n  </table>\n",
                   html_escape(walk.result), html_escape(walk.verdict));
  return s;
}

std::string fallback_walks(const ViolationPage& page) {
  std::string s = walk_table("before", page.before);
  for (size_t k = 1; k < page.steps.size(); ++k) {
    std::string heading = k <= page.witness.size()
                              ? fmt::format("step {}: after update #{}", k, page.witness[k - 1])
                              : fmt::format("step {}", k);
    s += walk_table(heading, page.steps[k]);
  }
  return s + walk_table("after", page.after);
}

// ---- JSON -------------------------------------------------------------------------------------

json entry_json(const EntryView& e) {
  return {{"level", e.level},
          {"kind", e.kind},
          {"entry", hex(e.entry)},
          {"value", hex(e.value)},
          {"decoded", e.decoded},
          {"changed", e.changed},
          {"written_by_witness", e.written_by_witness}};
}

json walk_json(const WalkView& w) {
  json path = json::array();
  for (const EntryView& e : w.path) path.push_back(entry_json(e));
  return {{"path", std::move(path)},
          {"result", w.result},
          {"mapping", hex(w.mapping)},
          {"verdict", w.verdict}};
}

json update_json(const UpdateView& u) {
  return {{"index", u.index},
          {"kind", u.kind},
          {"level", u.level},
          {"entry", hex(u.entry)},
          {"old_value", hex(u.old_value)},
          {"new_value", hex(u.new_value)},
          {"old_decoded", u.old_decoded},
          {"new_decoded", u.new_decoded},
          {"in_witness", u.in_witness}};
}

// Reads the JSON of page_data_json() back, remembering the first problem (and where it was).
class Reader {
 public:
  const Status& status() const { return status_; }

  // The member `key` of object `o`, or null (after recording an error) when it is missing.
  const json* member(const json& o, const char* key, const std::string& where) {
    if (!status_.ok()) return nullptr;
    if (!o.is_object()) return fail(where, "is not an object");
    auto it = o.find(key);
    if (it == o.end()) return fail(where, fmt::format("has no \"{}\"", key));
    return &*it;
  }

  void get(const json& o, const char* key, const std::string& where, std::string& out) {
    const json* v = member(o, key, where);
    if (v == nullptr) return;
    if (!v->is_string()) return void(fail(where + "." + key, "is not a string"));
    out = v->get<std::string>();
  }

  void get(const json& o, const char* key, const std::string& where, bool& out) {
    const json* v = member(o, key, where);
    if (v == nullptr) return;
    if (!v->is_boolean()) return void(fail(where + "." + key, "is not true or false"));
    out = v->get<bool>();
  }

  // uint64_t values are "0x..." strings.
  void get(const json& o, const char* key, const std::string& where, uint64_t& out) {
    std::string text;
    get(o, key, where, text);
    if (!status_.ok()) return;
    std::optional<uint64_t> v = text.starts_with("0x") ? parse_u64(text) : std::nullopt;
    if (!v) return void(fail(where + "." + key, fmt::format("\"{}\" is not a 0x... number", text)));
    out = *v;
  }

  template <class Int>
    requires(std::is_same_v<Int, int> || std::is_same_v<Int, uint32_t>)
  void get(const json& o, const char* key, const std::string& where, Int& out) {
    const json* v = member(o, key, where);
    if (v != nullptr) get_int(*v, where + "." + key, out);
  }

  // An integer value (not a member) that must fit `Int`.
  template <class Int>
  void get_int(const json& v, const std::string& where, Int& out) {
    if (!status_.ok()) return;
    if (!v.is_number_integer()) return void(fail(where, "is not an integer"));
    bool too_big = v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{INT64_MAX};
    int64_t i = too_big ? -1 : v.get<int64_t>();
    if (too_big || i < static_cast<int64_t>(std::numeric_limits<Int>::min()) ||
        i > static_cast<int64_t>(std::numeric_limits<Int>::max())) {
      return void(fail(where, "is out of range"));
    }
    out = static_cast<Int>(i);
  }

  // Reads array `key` of `o` with `read(element, where)` for each element.
  template <class T, class F>
  void get_array(const json& o, const char* key, const std::string& where, std::vector<T>& out,
                 F read) {
    const json* v = member(o, key, where);
    if (v == nullptr) return;
    if (!v->is_array()) return void(fail(where + "." + key, "is not an array"));
    for (size_t i = 0; i < v->size() && status_.ok(); ++i) {
      out.push_back(read((*v)[i], fmt::format("{}.{}[{}]", where, key, i)));
    }
  }

  EntryView entry(const json& o, const std::string& where) {
    EntryView e;
    get(o, "level", where, e.level);
    get(o, "kind", where, e.kind);
    get(o, "entry", where, e.entry);
    get(o, "value", where, e.value);
    get(o, "decoded", where, e.decoded);
    get(o, "changed", where, e.changed);
    get(o, "written_by_witness", where, e.written_by_witness);
    return e;
  }

  WalkView walk(const json& o, const std::string& where) {
    WalkView w;
    get_array(o, "path", where, w.path,
              [this](const json& e, const std::string& at) { return entry(e, at); });
    get(o, "result", where, w.result);
    get(o, "mapping", where, w.mapping);
    get(o, "verdict", where, w.verdict);
    return w;
  }

  UpdateView update(const json& o, const std::string& where) {
    UpdateView u;
    get(o, "index", where, u.index);
    get(o, "kind", where, u.kind);
    get(o, "level", where, u.level);
    get(o, "entry", where, u.entry);
    get(o, "old_value", where, u.old_value);
    get(o, "new_value", where, u.new_value);
    get(o, "old_decoded", where, u.old_decoded);
    get(o, "new_decoded", where, u.new_decoded);
    get(o, "in_witness", where, u.in_witness);
    return u;
  }

 private:
  const json* fail(const std::string& where, const std::string& what) {
    if (status_.ok()) status_ = bad_input("page data: {} {}", where, what);
    return nullptr;
  }

  Status status_;
};

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string page_data_json(const ViolationPage& page) {
  json updates = json::array();
  for (const UpdateView& u : page.updates) updates.push_back(update_json(u));
  json steps = json::array();
  for (const WalkView& w : page.steps) steps.push_back(walk_json(w));
  json j = {{"title", page.title},
            {"section", page.section},
            {"verdict_class", page.verdict_class},
            {"ipa", hex(page.ipa)},
            {"ipa_range", page.ipa_range},
            {"lists", page.lists},
            {"updates", std::move(updates)},
            {"witness", page.witness},
            {"before", walk_json(page.before)},
            {"after", walk_json(page.after)},
            {"steps", std::move(steps)}};
  // Invalid UTF-8 becomes U+FFFD rather than an exception.
  std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
  // '<' only occurs inside strings, where \u003c means the same: then no "</script" or "<!--" can
  // end or confuse the <script> element holding the data.
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

StatusOr<ViolationPage> parse_page_data(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return bad_input("page data: not valid JSON");
  Reader r;
  ViolationPage p;
  const std::string top = "data";
  r.get(j, "title", top, p.title);
  r.get(j, "section", top, p.section);
  r.get(j, "verdict_class", top, p.verdict_class);
  r.get(j, "ipa", top, p.ipa);
  r.get(j, "ipa_range", top, p.ipa_range);
  r.get(j, "lists", top, p.lists);
  r.get_array(j, "updates", top, p.updates,
              [&r](const json& o, const std::string& at) { return r.update(o, at); });
  r.get_array(j, "witness", top, p.witness, [&r](const json& o, const std::string& at) {
    uint32_t index = 0;
    r.get_int(o, at, index);
    return index;
  });
  if (const json* before = r.member(j, "before", top)) p.before = r.walk(*before, top + ".before");
  if (const json* after = r.member(j, "after", top)) p.after = r.walk(*after, top + ".after");
  r.get_array(j, "steps", top, p.steps,
              [&r](const json& o, const std::string& at) { return r.walk(o, at); });
  if (!r.status().ok()) return r.status();
  return p;
}

namespace {

// The page's signature line and links to its signature's other examples and the index.
std::string signature_block(const ViolationPage& page) {
  if (page.signature.empty()) return "";
  std::string links;
  for (const PageLink& l : page.examples) {
    links += fmt::format(" <a class=\"example\" href=\"{}\">{}</a>", url_path(l.file), html_escape(l.label));
  }
  return fmt::format("  <p id=\"signature\">signature {}{}{} &middot; <a id=\"to-index\" href=\"index.html\">all "
                     "signatures</a></p>",
                     html_escape(page.signature), links.empty() ? "" : " &middot; other examples:", links);
}

}  // namespace

std::string render_violation_page(const ViolationPage& page) {
  return fill_template(assets::kPageTemplate,
                       {{"TITLE", html_escape(page.title)},
                        {"SIGNATURE", signature_block(page)},
                        {"SECTION", html_escape(page.section)},
                        {"VERDICT_CLASS", html_escape(page.verdict_class)},
                        {"IPA", hex(page.ipa)},
                        {"IPA_RANGE", html_escape(page.ipa_range)},
                        {"LISTS", html_escape(page.lists)},
                        {"WITNESS", witness_text(page.witness)},
                        {"UPDATE_ROWS", update_rows(page)},
                        {"FALLBACK_WALKS", fallback_walks(page)},
                        {"DATA_JSON", page_data_json(page)},
                        {"SCRIPT", std::string(assets::kPageJs)}});
}

std::string render_index(const std::string& title, const std::vector<IndexRow>& rows) {
  std::string body;
  uint64_t ipas = 0;
  for (const IndexRow& r : rows) {
    ipas += r.ipas;
    body += fmt::format(
        "    <tr><td>{}</td><td><span class=\"badge {}\">{}</span></td><td class=\"mono\">{}</td>"
        "<td class=\"num\">{}</td><td>{}</td><td><a href=\"{}\">{}</a></td></tr>\n",
        html_escape(r.section), html_escape(r.verdict_class), html_escape(r.verdict_class),
        html_escape(r.ipa_range), r.ipas, html_escape(r.lists), url_path(r.file),
        html_escape(r.file));
  }
  std::string count = rows.empty()
                          ? std::string("No violation group.")
                          : fmt::format("{} violation group{}, {} IPA{} in all.", rows.size(),
                                        rows.size() == 1 ? "" : "s", ipas, ipas == 1 ? "" : "s");
  return fill_template(assets::kIndexTemplate,
                       {{"TITLE", html_escape(title)}, {"COUNT", count}, {"ROWS", body}});
}

std::string render_signature_index(const std::string& title, const std::vector<SignatureRow>& rows) {
  std::string body;
  for (const SignatureRow& r : rows) {
    std::string examples;
    for (const PageLink& l : r.examples) {
      examples += fmt::format("{}<a class=\"example\" href=\"{}\">{}</a>", examples.empty() ? "" : " ",
                              url_path(l.file), html_escape(l.label));
    }
    const std::string page =
        r.page.empty() ? std::string("&mdash;") : fmt::format("<a class=\"representative\" href=\"{}\">{}</a>", url_path(r.page), html_escape(r.id));
    body += fmt::format(
        "    <tr><td class=\"mono\">{}</td><td><span class=\"badge {}\">{}</span></td><td>{}</td><td class=\"key\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        html_escape(r.id), html_escape(r.severity), html_escape(r.severity), html_escape(r.verdict), html_escape(r.key),
        r.sections, r.occurrences, html_escape(r.first), page, examples);
  }
  const std::string count = rows.empty() ? std::string("No bug signature.")
                                         : fmt::format("{} bug signature{} (docs/signatures.md says what one is).",
                                                       rows.size(), rows.size() == 1 ? "" : "s");
  std::string text(assets::kIndexTemplate);
  const std::string head =
      "<thead><tr><th>section</th><th>class</th><th>IPA range</th><th>IPAs</th><th>lists</th><th>page</th></tr></thead>";
  const size_t at = text.find(head);
  if (at != std::string::npos) {
    text.replace(at, head.size(),
                 "<thead><tr><th>signature</th><th>severity</th><th>verdict</th><th>key</th><th>sections</th>"
                 "<th>occurrences</th><th>first</th><th>page</th><th>examples</th></tr></thead>");
  }
  const size_t table = text.find("<table id=\"groups\">");
  if (table != std::string::npos) text.replace(table, 19, "<table id=\"signatures\">");
  return fill_template(text, {{"TITLE", html_escape(title)}, {"COUNT", count}, {"ROWS", body}});
}

}  // namespace ptx::html
