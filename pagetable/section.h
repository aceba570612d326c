// Section: the record of one completed critical section (the buffered writes a barrier completed).
#ifndef PTX_PAGETABLE_SECTION_H_
#define PTX_PAGETABLE_SECTION_H_

#include <cstdint>
#include <vector>

#include "pagetable/update.h"

namespace ptx {

// One `set_npt vmid ipa level descriptor` call.
struct MapOp {
  uint64_t ipa = 0;         // byte address in the VM's IPA space, < 2^48
  int level = 3;            // 2 (2 MiB block) or 3 (4 KiB page)
  uint64_t descriptor = 0;  // the block/page descriptor written (non-zero)

  friend bool operator==(const MapOp&, const MapOp&) = default;
};

struct Section {
  uint32_t vmid = 0;
  uint64_t seq = 0;               // per-VM completion number, 0, 1, 2, ... (the lock order)
  std::vector<MapOp> ops;         // the set_npt calls made in the section, in call order
  std::vector<Update> updates;    // every write, in program order (oldest first)

  friend bool operator==(const Section&, const Section&) = default;
};

// Coq `pt_updates` holds the newest write first; this returns that list (updates reversed).
std::vector<Update> coq_pt_updates(const Section& s);

}  // namespace ptx

#endif  // PTX_PAGETABLE_SECTION_H_
