-- 007_drop_cancel_function: suspending or closing a budget now cancels its
-- unexported payments from C (internal/budgets/store.c), one audit row and
-- payment.cancelled event per payment; the set-based SQL function of 003,
-- which could not audit each payment, is no longer used.
DROP FUNCTION IF EXISTS pb_budget_cancel_unexported_payments(text, uuid, text);
