// SPDX-License-Identifier: BSD-2-Clause
// One self-contained HTML page per violation group, and an index of them.
//
// render_violation_page() returns a single HTML file: inline CSS, the page script (page.js) and the
// group's data as JSON in <script type="application/json" id="ptx-data">. It needs no network and
// works from file://. Without JavaScript (or if the script fails) the page still shows the
// summary, the updates table and every walk as text tables; with it, the text walks give way to
// three SVG panels (before, current step, after) and step controls.
//
// The templates and page.js are inlined into the library at build time (CMakeLists.txt), so
// the functions below need no files at run time. They only build strings; writing them is the
// caller's business.
#ifndef PTX_TOOLS_HTML_HTML_PAGE_H_
#define PTX_TOOLS_HTML_HTML_PAGE_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tools/html/page_model.h"

namespace ptx::html {

// The whole page for one violation group.
std::string render_violation_page(const ViolationPage& page);

// index.html: `title`, then one table row per group linking to its `file`.
std::string render_index(const std::string& title, const std::vector<IndexRow>& rows);

// index.html of `ptx --html DIR`: a table of bug signatures (table#signatures, one row each:
// id, severity, verdict, key, sections, occurrences, first occurrence, a link to the
// representative's page and links to the other examples' pages).
std::string render_signature_index(const std::string& title, const std::vector<SignatureRow>& rows);

// The JSON embedded in the page's data element, exactly as embedded: every uint64_t as a "0x..."
// string, every '<' written as \u003c so no string can close the <script> element.
std::string page_data_json(const ViolationPage& page);

// The inverse of page_data_json(): kBadInput when `json` is not such a document.
StatusOr<ViolationPage> parse_page_data(std::string_view json);

// Text with &, <, >, " and ' replaced by entities (for element content and quoted attributes).
std::string html_escape(std::string_view text);

}  // namespace ptx::html

#endif  // PTX_TOOLS_HTML_HTML_PAGE_H_
