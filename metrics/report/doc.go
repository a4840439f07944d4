// Package report turns bridgescope's results into what people read: the result
// types of validate, faults, compare and bench, and one text / Markdown / JSON toolkit.
//
// Every renderer is a Reporter over one value, so the text, Markdown and JSON
// of a run can never disagree. Text from the wire goes through Sanitize, tables
// through Markdown and Aligned, JSON through one encoder setting.
package report
