# A 2 MiB range mapped by a level-3 table is unplugged (one level-2 unmap); the caller adds no TLB
# maintenance of its own. Expected with --tlb on: sekvm clean (its clear_npt clears the PTEs, then
# DSB, TLBI VMALLS12E1IS, DSB); dirty-reuse stale mappings (no-tlbi) at the unmap, line 9: it
# unlinks the table and frees it with no TLBI, so every PE may still use the three pages.
map 1 0x40000000 3 0x10000007ff
map 1 0x40001000 3 0x10000017ff
map 1 0x40002000 3 0x10000027ff
# hot-unplug the range
unmap 1 0x40000000 2
