// SPDX-License-Identifier: BSD-2-Clause
// render_violation_page / render_index: self-contained output, the embedded data equal to the
// model, escaping, and the index's rows and links. (The page's behaviour in a browser is
// browser_test.py's job.)
#include "tools/html/html_page.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "tests/html/sample_model.h"

namespace ptx::html {
namespace {

using testing::break_before_make_sample;
using testing::dirty_table_sample;
using testing::sample_index_rows;

size_t count(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string_view::npos;
       pos = text.find(what, pos + what.size())) {
    ++n;
  }
  return n;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The text of <script type="application/json" id="ptx-data">...</script>.
std::string data_element(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"ptx-data\">";
  size_t start = page.find(open);
  EXPECT_NE(start, std::string::npos);
  if (start == std::string::npos) return "";
  start += open.size();
  size_t end = page.find("</script>", start);
  EXPECT_NE(end, std::string::npos);
  return page.substr(start, end - start);
}

TEST(HtmlPage, IsSelfContained) {
  for (const ViolationPage& model : {dirty_table_sample(), break_before_make_sample()}) {
    const std::string page = lower(render_violation_page(model));
    EXPECT_EQ(page.find("http://"), std::string::npos);
    EXPECT_EQ(page.find("https://"), std::string::npos);
    EXPECT_EQ(page.find("src="), std::string::npos);  // no external script or image
    EXPECT_EQ(page.find("<link"), std::string::npos);  // no external stylesheet
    EXPECT_EQ(page.find("@import"), std::string::npos);
    EXPECT_EQ(page.find("url("), std::string::npos);
    EXPECT_EQ(page.find("{{"), std::string::npos) << "a template placeholder was left unfilled";
    // Inline CSS and the inlined script (a function of page.js) are there.
    EXPECT_NE(page.find("<style>"), std::string::npos);
    EXPECT_NE(page.find("function drawwalk("), std::string::npos);
    EXPECT_EQ(count(page, "</script"), 2u);  // the data element and the script, nothing else
  }
}

TEST(HtmlPage, DataElementIsTheModelAsJson) {
  for (const ViolationPage& model : {dirty_table_sample(), break_before_make_sample()}) {
    StatusOr<ViolationPage> parsed = parse_page_data(data_element(render_violation_page(model)));
    ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
    EXPECT_EQ(*parsed, model);
  }
}

TEST(HtmlPage, SixtyFourBitValuesTravelAsHexStrings) {
  ViolationPage model = dirty_table_sample();
  model.updates[4].new_value = 0xffff'ffff'ffff'ffffULL;  // beyond JavaScript's 2^53
  const std::string json = page_data_json(model);
  EXPECT_NE(json.find("\"new_value\":\"0xffffffffffffffff\""), std::string::npos) << json;
  StatusOr<ViolationPage> parsed = parse_page_data(json);
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  EXPECT_EQ(*parsed, model);
}

TEST(HtmlPage, StringsCannotCloseTheScriptElement) {
  ViolationPage model = dirty_table_sample();
  model.title = "</script><script>alert(1)</script>";
  model.section = "<!-- <script> {{SCRIPT}}";
  model.updates[0].old_decoded = "</SCRIPT>";
  model.before.path[1].decoded = "a & b \"quoted\" 'single'";
  model.steps[0] = model.before;
  const std::string page = render_violation_page(model);
  EXPECT_EQ(count(lower(page), "</script"), 2u);
  EXPECT_EQ(count(page, "<!--"), 1u);  // the template's own comment only
  const std::string data = data_element(page);
  EXPECT_EQ(data.find('<'), std::string::npos) << data;
  StatusOr<ViolationPage> parsed = parse_page_data(data);
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  EXPECT_EQ(*parsed, model);
  // In the HTML around it, the same strings are entities; placeholders in data stay literal.
  EXPECT_NE(page.find("<h1>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</h1>"),
            std::string::npos);
  EXPECT_NE(page.find("&lt;!-- &lt;script&gt; {{SCRIPT}}"), std::string::npos);
  EXPECT_NE(page.find("a &amp; b &quot;quoted&quot; &#39;single&#39;"), std::string::npos);
}

TEST(HtmlPage, HasTheSummaryTableControlsPanelsAndFallback) {
  const ViolationPage model = dirty_table_sample();
  const std::string page = render_violation_page(model);
  for (const char* needle :
       {"vm 1, section 17 (workload.txt:12)", "wrong-translation", "0x40000000-0x40000fff",
        "84 of 326 lists", "updates #2, #0 and #3, in this order", "id=\"step-back\"",
        "id=\"step-forward\"", "id=\"step-reset\"", "id=\"step-all\"", "id=\"step-label\"",
        "id=\"walk-before\"", "id=\"walk-current\"", "id=\"walk-after\"", "id=\"legend\"",
        "id=\"fallback\""}) {
    EXPECT_NE(page.find(needle), std::string::npos) << needle;
  }
  EXPECT_EQ(count(page, "<tr class=\"update"), model.updates.size());
  EXPECT_EQ(count(page, "<tr class=\"update witness\""), model.witness.size());
  EXPECT_NE(page.find("data-index=\"2\"><td class=\"num\">#2</td><td class=\"order\">1st</td>"),
            std::string::npos);
  EXPECT_NE(page.find("data-index=\"3\"><td class=\"num\">#3</td><td class=\"order\">3rd</td>"),
            std::string::npos);
  // The text walks: before, one per step after the first, after.
  EXPECT_EQ(count(page, "class=\"walk-text\""), model.witness.size() + 2);
  EXPECT_NE(page.find("step 3: after update #3"), std::string::npos);
}

TEST(HtmlPage, ParsePageDataRejectsWhatItCannotRead) {
  EXPECT_EQ(parse_page_data("{").status().code(), StatusCode::kBadInput);
  EXPECT_EQ(parse_page_data("[]").status().message(), "page data: data is not an object");
  const std::string json = page_data_json(dirty_table_sample());
  auto with = [&json](std::string_view from, std::string_view to) {
    std::string s = json;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? s : s.replace(at, from.size(), to);
  };
  EXPECT_EQ(parse_page_data(with("\"ipa\":\"0x40000000\"", "\"ipa\":\"40000000\""))
                .status()
                .message(),
            "page data: data.ipa \"40000000\" is not a 0x... number");
  EXPECT_EQ(parse_page_data(with("\"witness\":[2,0,3]", "\"witness\":[2,-1,3]")).status().message(),
            "page data: data.witness[1] is out of range");
  EXPECT_EQ(parse_page_data(with("\"changed\":false", "\"changed\":0")).status().message(),
            "page data: data.after.path[0].changed is not true or false");
}

TEST(HtmlIndex, ListsEveryRowAndLinksToItsFile) {
  const std::vector<IndexRow> rows = sample_index_rows();
  const std::string index = render_index("ptx violations: workload.txt", rows);
  EXPECT_NE(index.find("<title>ptx violations: workload.txt</title>"), std::string::npos);
  EXPECT_NE(index.find("2 violation groups, 2101248 IPAs in all."), std::string::npos);
  for (const IndexRow& r : rows) {
    EXPECT_NE(index.find("<a href=\"" + r.file + "\">" + r.file + "</a>"), std::string::npos);
    EXPECT_NE(index.find(r.section), std::string::npos);
    EXPECT_NE(index.find(r.ipa_range), std::string::npos);
    EXPECT_NE(index.find(r.lists), std::string::npos);
  }
  EXPECT_EQ(count(index, "<a href="), rows.size());
  EXPECT_EQ(lower(index).find("http"), std::string::npos);
  EXPECT_EQ(index.find("{{"), std::string::npos);
}

TEST(HtmlIndex, EscapesFileNamesAndText) {
  IndexRow row = sample_index_rows()[0];
  row.file = "a b#1?.html";
  row.section = "<b>";
  const std::string index = render_index("<t>", {row});
  EXPECT_NE(index.find("<a href=\"a%20b%231%3F.html\">a b#1?.html</a>"), std::string::npos);
  EXPECT_NE(index.find("<td>&lt;b&gt;</td>"), std::string::npos);
  EXPECT_NE(index.find("<h1>&lt;t&gt;</h1>"), std::string::npos);
  EXPECT_NE(render_index("none", {}).find("No violation group."), std::string::npos);
}

}  // namespace
}  // namespace ptx::html
