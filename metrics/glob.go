package metrics

// matchesAny reports whether channel is one of names or matches one of
// them as a Redis glob pattern.
func matchesAny(names []string, channel string) bool {
	for _, n := range names {
		if n == channel || globMatch(n, channel) {
			return true
		}
	}
	return false
}

// globMatch is Redis's glob (PSUBSCRIBE): * any run, ? one byte, [abc],
// [^a], [a-z], and \ quoting the next byte.
func globMatch(pat, s string) bool {
	for len(pat) > 0 {
		switch pat[0] {
		case '*':
			for len(pat) > 0 && pat[0] == '*' {
				pat = pat[1:]
			}
			if pat == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(pat, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		case '[':
			if s == "" {
				return false
			}
			n, ok := classMatch(pat, s[0])
			if !ok {
				return false
			}
			pat, s = pat[n:], s[1:]
			continue
		case '\\':
			if len(pat) > 1 {
				pat = pat[1:]
			}
			fallthrough
		default:
			if s == "" || s[0] != pat[0] {
				return false
			}
		}
		pat, s = pat[1:], s[1:]
	}
	return s == ""
}

// classMatch matches c against the [...] class opening pat; it returns the
// class's length in pat and whether c is in it.
func classMatch(pat string, c byte) (int, bool) {
	i, neg, in := 1, false, false
	if i < len(pat) && pat[i] == '^' {
		neg, i = true, i+1
	}
	for ; i < len(pat) && pat[i] != ']'; i++ {
		switch {
		case pat[i] == '\\' && i+1 < len(pat):
			i++
			in = in || pat[i] == c
		case i+2 < len(pat) && pat[i+1] == '-' && pat[i+2] != ']':
			lo, hi := min(pat[i], pat[i+2]), max(pat[i], pat[i+2])
			in = in || (c >= lo && c <= hi)
			i += 2
		default:
			in = in || pat[i] == c
		}
	}
	return min(i+1, len(pat)), in != neg
}
