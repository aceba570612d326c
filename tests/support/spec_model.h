// SPDX-License-Identifier: BSD-2-Clause
// SPEC §2's constants and address formulas, restated independently of pagetable/constants.h so
// that tests compare the engine against the SPEC, not against itself.
#ifndef PTX_TESTS_SPEC_MODEL_H_
#define PTX_TESTS_SPEC_MODEL_H_

#include <cstdint>

namespace ptx::spec {

constexpr uint64_t kPage = 4096;
constexpr uint64_t SPoolStart(uint64_t vm) { return 0x10000 + vm * 0x2000000; }
constexpr uint64_t SPgdStart(uint64_t vm) { return SPoolStart(vm) + 0x1000; }
constexpr uint64_t SPudStart(uint64_t vm) { return SPoolStart(vm) + 0x101000; }
constexpr uint64_t SPmdStart(uint64_t vm) { return SPoolStart(vm) + 0x901000; }
constexpr uint64_t SPoolEnd(uint64_t vm) { return SPoolStart(vm + 1); }
constexpr uint64_t SPhysPage(uint64_t x) { return x & 0x0000FFFFFFFFF000ULL; }
// The IPA with these table indexes (pgd_index .. pte_index) and page offset.
constexpr uint64_t SIpa(uint64_t pgd, uint64_t pud, uint64_t pmd, uint64_t pte, uint64_t off = 0) {
  return (pgd << 39) | (pud << 30) | (pmd << 21) | (pte << 12) | off;
}
// The index of `ipa` in the table read at `level` (0 = root).
constexpr uint64_t SIndex(int level, uint64_t ipa) { return (ipa >> (39 - 9 * level)) & 511; }
// Entry addresses: Z.lor table (index * 8).
constexpr uint64_t SEntry(uint64_t table, uint64_t index) { return table | (index * 8); }
// The pool a table read at `level` lives in: [lo, hi).
constexpr uint64_t SPoolLo(uint64_t vm, int level) {
  return level == 0 ? SPoolStart(vm) : level == 1 ? SPgdStart(vm) : level == 2 ? SPudStart(vm) : SPmdStart(vm);
}
constexpr uint64_t SPoolHi(uint64_t vm, int level) {
  return level == 0 ? SPgdStart(vm) : level == 1 ? SPudStart(vm) : level == 2 ? SPmdStart(vm) : SPoolEnd(vm);
}

}  // namespace ptx::spec

#endif  // PTX_TESTS_SPEC_MODEL_H_
