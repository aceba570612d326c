# A 2 MiB range mapped by a level-3 table is unplugged (one level-2 unmap), then another range is
# faulted in. Expected: sekvm none (the table stays linked, its entries cleared); dirty-reuse wrong
# translations (the freed table is reused for the new range and linked before its stale entries
# are cleared: the unplugged range's old pages show through).
map 1 0x40000000 3 0x10000007ff
map 1 0x40001000 3 0x10000017ff
map 1 0x40002000 3 0x10000027ff
unmap 1 0x40000000 2              # hot-unplug the range
map 1 0x40201000 3 0x10002017ff   # the next range needs a level-3 table
map 1 0x40000000 3 0x14000007ff   # the unplugged range replugged at a new host page
