// SPDX-License-Identifier: BSD-2-Clause
// html_sample_pages DIR: writes the two sample violation pages of sample_model.h and their
// index.html into DIR (which must exist), for browser_test.py.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tests/html/sample_model.h"
#include "tools/html/html_page.h"

namespace {

bool write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) std::fprintf(stderr, "html_sample_pages: cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: html_sample_pages DIR\n");
    return 2;
  }
  namespace h = ptx::html;
  const std::string dir = argv[1];
  const auto rows = h::testing::sample_index_rows();
  // As `ptx --html` writes them: index.html lists signatures; the first page is a signature's
  // representative linking to another example (here the second page) and back to the index.
  h::ViolationPage dirty = h::testing::dirty_table_sample();
  dirty.signature = "S00000001: wrong-translation, ops map; writes PMD; at set_npt:pmd; shape [PMD link]";
  dirty.examples = {h::PageLink{"vm 1 seq 18", rows[1].file}};
  h::ViolationPage bbm = h::testing::break_before_make_sample();
  bbm.signature = "S00000002: transient-fault, ops map; writes PTE; at set_npt:break; shape [PTE unmap]";
  const std::vector<h::SignatureRow> signatures = {
      {"S00000001", "error", "wrong-translation", "ops map; writes PMD; at set_npt:pmd; shape [PMD link]", 2, 7,
       "vm 1 seq 17 (workload.txt:12)", rows[0].file, {h::PageLink{"vm 1 seq 18", rows[1].file}}},
      {"S00000002", "warning", "transient-fault", "ops map; writes PTE; at set_npt:break; shape [PTE unmap]", 1, 1,
       "vm 1 seq 18 (workload.txt:13)", rows[1].file, {}}};
  bool ok = write(dir + "/" + rows[0].file, h::render_violation_page(dirty)) &&
            write(dir + "/" + rows[1].file, h::render_violation_page(bbm)) &&
            write(dir + "/index.html", h::render_signature_index("ptx bug signatures: workload.txt", signatures));
  return ok ? 0 : 1;
}
