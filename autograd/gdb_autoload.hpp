#pragma once
// Names the project's gdb pretty-printers (gdb/backprop_printers.py) in every binary that uses
// an engine, through a .debug_gdb_scripts entry, so gdb loads them by itself once it trusts the
// folder (gdb -iex "add-auto-load-safe-path /path/to/backprop"). The build sets the path;
// identical entries from many files merge into one at link time.

#ifdef BACKPROP_GDB_SCRIPT
asm(".pushsection \".debug_gdb_scripts\", \"MS\",@progbits,1\n"
    ".byte 1\n"  // 1: a Python script, by file name
    ".asciz \"" BACKPROP_GDB_SCRIPT
    "\"\n"
    ".popsection\n");
#endif
