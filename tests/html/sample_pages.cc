// SPDX-License-Identifier: BSD-2-Clause
// html_sample_pages DIR: writes the two sample violation pages of sample_model.h and their
// index.html into DIR (which must exist), for browser_test.py.
#include <cstdio>
#include <fstream>
#include <string>

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
  bool ok = write(dir + "/" + rows[0].file, h::render_violation_page(h::testing::dirty_table_sample())) &&
            write(dir + "/" + rows[1].file,
                  h::render_violation_page(h::testing::break_before_make_sample())) &&
            write(dir + "/index.html", h::render_index("ptx violations: workload.txt", rows));
  return ok ? 0 : 1;
}
