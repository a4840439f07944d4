package bridge

import "testing"

// TestKeySlot checks the slot function against values redis-server computes
// (CLUSTER KEYSLOT) and the CRC16 check value of the Redis Cluster specification.
func TestKeySlot(t *testing.T) {
	if got := crc16("123456789"); got != 0x31C3 {
		t.Errorf("crc16(123456789) = %#x, want 0x31c3", got)
	}
	for key, want := range map[string]int{
		"foo": 12182, "bar": 5061, "somekey": 11058, "user1000": 3443,
		"{user1000}.following": 3443, "foo{}{bar}": 8363, "foo{{bar}}zap": 4015, "{}": 15257,
	} {
		if got := keySlot(key); got != want {
			t.Errorf("keySlot(%q) = %d, want %d", key, got, want)
		}
	}
}
