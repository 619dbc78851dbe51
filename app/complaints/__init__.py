"""The complaint box: public form, staff intake, one thread per case, targets and escalation."""
