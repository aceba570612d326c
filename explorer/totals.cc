// SPDX-License-Identifier: BSD-2-Clause
#include "explorer/totals.h"

namespace ptx {

void Totals::add(const Section& s) {
  ops += s.ops.size();
  sections += 1;
  updates += s.updates.size();
}

void Totals::add(const Section& s, const Exploration& x) {
  add(s);
  add_exploration(x);
}

void Totals::add_exploration(const Exploration& x) {
  sequences += x.sequences;
  address_classes += x.classes.size();
  violations += x.violations.size();
  violating_sections += x.violations.empty() ? 0 : 1;
  for (const Violation& v : x.violations) {
    (v.cls == ViolationClass::kTransientFault ? transient_faults : wrong_translations) += 1;
  }
}

void Totals::merge(const Totals& o) {
  ops += o.ops;
  sections += o.sections;
  updates += o.updates;
  sequences += o.sequences;
  address_classes += o.address_classes;
  violations += o.violations;
  violating_sections += o.violating_sections;
  transient_faults += o.transient_faults;
  wrong_translations += o.wrong_translations;
  findings += o.findings;
}

}  // namespace ptx
