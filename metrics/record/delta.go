package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// A patch turns one tree into the next. It is JSON itself:
//
//   - [v] sets the value to v; [] deletes an object's key;
//   - an object patch {"key": patch, …} patches an object's keys;
//   - an array patch is an object too, applied in this order: "~": n drops
//     n elements from the front, "^": [v…] prepends, "$": n truncates to n,
//     "+": [v…] appends, and "0", "1"… patch elements by index.
//
// The array forms are what keep a recording small: the per-second charts
// shift by one each second ("~" and "+"), the recent changes gain one at
// the front ("^" and "$").

// maxShift is the largest shift or prepend diff looks for: a refresh (250
// ms) moves a per-second chart by at most one, and the history gains a few
// changes at most; past that a whole array is cheaper to look for than to
// find.
const maxShift = 4

// errPatch is a patch that does not fit its tree: the file is damaged.
var errPatch = errors.New("record: patch does not apply")

// diff returns the patch from a to b, and false when they are equal.
func diff(a, b tree) (any, bool) {
	switch av := a.(type) {
	case map[string]any:
		if bv, ok := b.(map[string]any); ok {
			return diffObject(av, bv)
		}
	case []any:
		if bv, ok := b.([]any); ok {
			return diffArray(av, bv)
		}
	}
	if reflect.DeepEqual(a, b) {
		return nil, false
	}
	if d, ok := step(a, b); ok {
		return map[string]any{"±": d}, true
	}
	return []any{b}, true
}

// step is b as a's value moved by d: an integer's difference, or a
// timestamp's in nanoseconds (the lastSeen of every instance moves each
// refresh; its digits are mostly the same). It is used only when applying
// it gives back b's very text.
func step(a, b any) (int64, bool) {
	switch av := a.(type) {
	case json.Number:
		bv, ok := b.(json.Number)
		x, err1 := strconv.ParseInt(string(av), 10, 64)
		y, err2 := strconv.ParseInt(string(bv), 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return 0, false
		}
		d := y - x
		back, err := stepped(a, d)
		return d, err == nil && back == b
	case string:
		bv, ok := b.(string)
		if !ok || len(av) < 20 || len(bv) < 20 || av[4] != '-' || bv[4] != '-' {
			return 0, false
		}
		x, err1 := time.Parse(time.RFC3339Nano, av)
		y, err2 := time.Parse(time.RFC3339Nano, bv)
		if err1 != nil || err2 != nil {
			return 0, false
		}
		d := y.Sub(x).Nanoseconds()
		back, err := stepped(a, d)
		return d, err == nil && back == b
	}
	return 0, false
}

// stepped is step's inverse.
func stepped(a any, d int64) (any, error) {
	switch av := a.(type) {
	case json.Number:
		x, err := strconv.ParseInt(string(av), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: step on %q", errPatch, av)
		}
		return json.Number(strconv.FormatInt(x+d, 10)), nil
	case string:
		x, err := time.Parse(time.RFC3339Nano, av)
		if err != nil {
			return nil, fmt.Errorf("%w: step on %q", errPatch, av)
		}
		return x.Add(time.Duration(d)).Format(time.RFC3339Nano), nil
	}
	return nil, fmt.Errorf("%w: step on %T", errPatch, a)
}

func diffObject(a, b map[string]any) (any, bool) {
	p := map[string]any{}
	for k, bv := range b {
		av, ok := a[k]
		if !ok {
			p[k] = []any{bv}
			continue
		}
		if d, changed := diff(av, bv); changed {
			p[k] = d
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			p[k] = []any{}
		}
	}
	return p, len(p) > 0
}

func diffArray(a, b []any) (any, bool) {
	// The candidates: b as a patched index by index, or as a shifted by k
	// (a chart moving on a second: its last value also changed) or with m
	// prepended (newest first, capped). A candidate is tried only when its
	// first element lines up, which rejects the others cheaply.
	best, bestN := arrayPatch(a, b, 0, nil)
	for k := 1; k <= maxShift && k < len(a); k++ {
		if len(b) > 0 && reflect.DeepEqual(a[k], b[0]) {
			if p, n := arrayPatch(a[k:], b, 0, nil); n < bestN {
				p["~"] = k
				best, bestN = p, n
			}
		}
	}
	for m := 1; m <= maxShift && m < len(b); m++ {
		if len(a) > 0 && reflect.DeepEqual(b[m], a[0]) {
			if p, n := arrayPatch(a, b, m, b[:m]); n < bestN {
				best, bestN = p, n
			}
		}
	}
	return best, len(best) > 0
}

// arrayPatch patches a, with head prepended, into b, index by index, and
// counts the elements the patch carries.
func arrayPatch(a, b []any, m int, head []any) (map[string]any, int) {
	p := map[string]any{}
	n := m
	if m > 0 {
		p["^"] = head
		a = append(append([]any(nil), head...), a...)
	}
	if len(b) < len(a) {
		p["$"] = len(b)
	}
	if len(b) > len(a) {
		p["+"] = b[len(a):]
		n += len(b) - len(a)
	}
	for i := range min(len(a), len(b)) {
		if i < m {
			continue
		}
		if d, changed := diff(a[i], b[i]); changed {
			p[strconv.Itoa(i)] = d
			n++
		}
	}
	return p, n
}

// apply returns t patched. It may reuse parts of t: callers keep only the
// result.
func apply(t tree, p any) (tree, error) {
	switch pv := p.(type) {
	case []any:
		if len(pv) != 1 {
			return nil, fmt.Errorf("%w: a set holds %d values", errPatch, len(pv))
		}
		return pv[0], nil
	case map[string]any:
		if d, ok := pv["±"]; ok && len(pv) == 1 {
			if _, isObj := t.(map[string]any); !isObj {
				n, ok, err := intOf(d)
				if !ok || err != nil {
					return nil, fmt.Errorf("%w: step %v", errPatch, d)
				}
				return stepped(t, int64(n))
			}
		}
		switch tv := t.(type) {
		case map[string]any:
			return applyObject(tv, pv)
		case []any:
			return applyArray(tv, pv)
		}
		return nil, fmt.Errorf("%w: an object patch on %T", errPatch, t)
	}
	return nil, fmt.Errorf("%w: a patch of %T", errPatch, p)
}

func applyObject(t, p map[string]any) (tree, error) {
	out := make(map[string]any, len(t))
	for k, v := range t {
		out[k] = v
	}
	for k, sub := range p {
		if del, ok := sub.([]any); ok && len(del) == 0 {
			delete(out, k)
			continue
		}
		v, err := apply(out[k], sub)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func applyArray(t []any, p map[string]any) (tree, error) {
	out := append([]any(nil), t...)
	if n, ok, err := intOf(p["~"]); err != nil {
		return nil, err
	} else if ok {
		if n < 0 || n > len(out) {
			return nil, fmt.Errorf("%w: drop %d of %d", errPatch, n, len(out))
		}
		out = out[n:]
	}
	if head, ok := p["^"].([]any); ok {
		out = append(append([]any(nil), head...), out...)
	}
	if n, ok, err := intOf(p["$"]); err != nil {
		return nil, err
	} else if ok {
		if n < 0 || n > len(out) {
			return nil, fmt.Errorf("%w: truncate %d to %d", errPatch, len(out), n)
		}
		out = out[:n]
	}
	if tail, ok := p["+"].([]any); ok {
		out = append(out, tail...)
	}
	for k, sub := range p {
		if k == "~" || k == "^" || k == "$" || k == "+" {
			continue
		}
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= len(out) {
			return nil, fmt.Errorf("%w: index %q of %d", errPatch, k, len(out))
		}
		v, err := apply(out[i], sub)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// intOf reads a count from a patch: an int when the patch was just made, a
// json.Number when it was read from a file.
func intOf(v any) (int, bool, error) {
	switch n := v.(type) {
	case nil:
		return 0, false, nil
	case int:
		return n, true, nil
	case int64:
		return int(n), true, nil
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		if err != nil {
			return 0, false, fmt.Errorf("%w: count %v", errPatch, v)
		}
		return int(i), true, nil
	}
	return 0, false, fmt.Errorf("%w: count %T", errPatch, v)
}
