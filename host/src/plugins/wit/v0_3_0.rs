//! `fiscal:host@0.3.0` (`wit/fiscal-host-0.3.0/`): 0.2.0's bindings, linkers and conversions
//! (`v0_2_0::since_v0_2_0`) over the 0.3.0 folder, and what 0.3.0 adds: the register's
//! `shift-totals`, the counters its Z report prints.

super::v0_2_0::since_v0_2_0!("../wit/fiscal-host-0.3.0", "0.3.0", {
    ShiftTotals => call_shift_totals => ShiftTotals
});

record!(wr::OperationCounters => c::register::OperationCounters { receipts, total, cash, cashless });
record!(wr::ShiftCounters => c::register::ShiftCounters { shift_number, sales, returns });
