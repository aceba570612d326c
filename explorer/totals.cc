#include "explorer/totals.h"

namespace ptx {

void Totals::add(const Section& s) {
  ops += s.ops.size();
  sections += 1;
  updates += s.updates.size();
}

void Totals::add(const Section& s, const Exploration& x) {
  add(s);
  sequences += x.sequences;
  address_classes += x.classes.size();
  violations += x.violations.size();
  violating_sections += x.violations.empty() ? 0 : 1;
}

void Totals::merge(const Totals& o) {
  ops += o.ops;
  sections += o.sections;
  updates += o.updates;
  sequences += o.sequences;
  address_classes += o.address_classes;
  violations += o.violations;
  violating_sections += o.violating_sections;
}

}  // namespace ptx
