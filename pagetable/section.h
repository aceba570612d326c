// Section: the record of one completed critical section (the buffered writes a barrier completed),
// and MapOp, one engine call it made.
#ifndef PTX_PAGETABLE_SECTION_H_
#define PTX_PAGETABLE_SECTION_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/enum_names.h"
#include "pagetable/update.h"

namespace ptx {

// What an op does: `set_npt` maps, `clear_npt` unmaps.
enum class OpKind : uint8_t { kMap, kUnmap };

inline constexpr EnumNames<OpKind, 2> kOpKindNames{{
    {OpKind::kMap, "map"},
    {OpKind::kUnmap, "unmap"},
}};
constexpr std::string_view op_kind_name(OpKind k) { return enum_name(kOpKindNames, k); }

// One `set_npt vmid ipa level descriptor` call (kMap), or one `clear_npt vmid ipa level` call
// (kUnmap, descriptor 0).
struct MapOp {
  uint64_t ipa = 0;         // byte address in the VM's IPA space, < 2^48
  int level = 3;            // 2 (2 MiB block) or 3 (4 KiB page)
  uint64_t descriptor = 0;  // the block/page descriptor written (non-zero); 0 for an unmap
  OpKind kind = OpKind::kMap;

  friend bool operator==(const MapOp&, const MapOp&) = default;
};

struct Section {
  uint32_t vmid = 0;
  uint64_t seq = 0;               // per-VM completion number, 0, 1, 2, ... (the lock order)
  std::vector<MapOp> ops;         // the set_npt / clear_npt calls made in the section, in call order
  std::vector<Update> updates;    // every write, in program order (oldest first)
  // Barriers (DSB) inside the section: each is an index into `updates` at which a barrier
  // completed every earlier write (updates [0, i) are visible to every walker before update i is
  // made). Ascending, each in (0, updates.size()). Empty for the sekvm engine, whose only barrier
  // is the one that closes the section.
  std::vector<uint32_t> barriers;
  // false: the section was closed without its barrier (the missing-barrier engine variant), so
  // its writes after its last inner barrier may still be pending while the VM's next section runs.
  bool closing_barrier = true;

  friend bool operator==(const Section&, const Section&) = default;
};

// Coq `pt_updates` holds the newest write first; this returns that list (updates reversed).
std::vector<Update> coq_pt_updates(const Section& s);

}  // namespace ptx

#endif  // PTX_PAGETABLE_SECTION_H_
