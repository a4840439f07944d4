package cli

import (
	"flag"

	"github.com/spf13/pflag"
)

// typedValue is a flag.Value the engines define (thresholds, sizes, fault
// lists) with the Type pflag asks for, so the engines need not know pflag.
type typedValue struct {
	flag.Value
	typ string
}

// Type is the word --help shows for the flag's argument.
func (v typedValue) Type() string { return v.typ }

// typed gives v the type name typ.
func typed(v flag.Value, typ string) pflag.Value { return typedValue{v, typ} }
