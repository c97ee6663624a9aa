package apisrc

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// logBuffer collects warnings.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var b bytes.Buffer
	return slog.New(slog.NewTextHandler(&b, nil)), &b
}

func putAndRelease(t *testing.T, c *Cache, kv map[string]string) {
	t.Helper()
	release := c.Hold()
	for k, v := range kv {
		c.Put(k, []byte(v))
	}
	release()
}

func TestCacheSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	putAndRelease(t, OpenCache(dir, nil), map[string]string{"a": "1", "b": "2"})
	c := OpenCache(dir, nil)
	release := c.Hold()
	defer release()
	if v, ok := c.Get("a"); !ok || string(v) != "1" {
		t.Fatalf("a = %q %v", v, ok)
	}
	if _, ok := c.Get("zzz"); ok {
		t.Fatal("missing key found")
	}
}

func TestCacheWithoutHoldStaysInMemory(t *testing.T) {
	dir := t.TempDir()
	c := OpenCache(dir, nil)
	c.Put("a", []byte("1"))
	if v, ok := c.Get("a"); !ok || string(v) != "1" {
		t.Fatal("memory lost")
	}
	if _, err := os.Stat(filepath.Join(dir, CacheFile)); err == nil {
		t.Fatal("file opened without a hold")
	}
	// The next hold writes it.
	c.Hold()()
	c2 := OpenCache(dir, nil)
	defer c2.Hold()()
	if _, ok := c2.Get("a"); !ok {
		t.Fatal("pending write lost")
	}
}

func TestCorruptOrForeignCacheIsRebuiltWithAWarning(t *testing.T) {
	cases := map[string]func(path string) error{
		"garbage": func(p string) error { return os.WriteFile(p, bytes.Repeat([]byte("not a database "), 2000), 0o600) },
		"empty":   func(p string) error { return os.WriteFile(p, nil, 0o600) },
		"torn": func(p string) error {
			// A cache cut off in the middle of a write.
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, b[:len(b)/3], 0o600)
		},
		"scribbled": func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for i := 0; i < len(b); i += 7 {
				b[i] ^= 0x5a
			}
			return os.WriteFile(p, b, 0o600)
		},
		"foreign": func(p string) error {
			os.Remove(p)
			db, err := bolt.Open(p, 0o600, &bolt.Options{Timeout: time.Second})
			if err != nil {
				return err
			}
			defer db.Close()
			return db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket([]byte("someone-else"))
				if err != nil {
					return err
				}
				return b.Put([]byte("k"), []byte("v"))
			})
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			kv := map[string]string{}
			for i := range 300 {
				kv[strings.Repeat("k", i%40)+string(rune('a'+i%26))+string(rune('a'+i/26))] = strings.Repeat("v", 100)
			}
			putAndRelease(t, OpenCache(dir, nil), kv)
			if err := damage(filepath.Join(dir, CacheFile)); err != nil {
				t.Fatal(err)
			}
			log, buf := logBuffer()
			c := OpenCache(dir, log)
			release := c.Hold()
			for k := range kv {
				c.Get(k) // must not panic; may or may not find
			}
			c.Put("new", []byte("value"))
			release()
			// Rebuilt: a fresh process reads what was written since.
			c2 := OpenCache(dir, nil)
			defer c2.Hold()()
			if v, ok := c2.Get("new"); !ok || string(v) != "value" {
				t.Fatalf("cache not usable after rebuild (%s)", buf)
			}
			if name != "scribbled" && name != "empty" && !strings.Contains(buf.String(), "level=WARN") {
				t.Errorf("no warning: %q", buf)
			}
		})
	}
}

func TestTwoProcessesShareTheCache(t *testing.T) {
	dir := t.TempDir()
	log, buf := logBuffer()
	a := OpenCache(dir, nil)
	b := OpenCache(dir, log)
	releaseA := a.Hold()
	a.Put("from-a", []byte("1"))
	a.Get("anything") // opens the file: a holds the lock now
	start := time.Now()
	releaseB := b.Hold()
	b.Put("from-b", []byte("2"))
	if _, ok := b.Get("from-a"); ok {
		t.Error("b read a's unflushed write")
	}
	if time.Since(start) > 5*lockWait {
		t.Errorf("b blocked for %v", time.Since(start))
	}
	if !strings.Contains(buf.String(), "in use by another doradash") {
		t.Errorf("no warning: %q", buf)
	}
	releaseB() // b keeps its write pending
	releaseA()
	// b's next hold finds the file free and writes what it kept.
	b.Hold()()
	c := OpenCache(dir, nil)
	defer c.Hold()()
	for _, k := range []string{"from-a", "from-b"} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%s lost", k)
		}
	}
}

func TestMemoryCacheNeedsNoFolder(t *testing.T) {
	c := MemoryCache()
	defer c.Hold()()
	c.Put("k", []byte("v"))
	if v, ok := c.Get("k"); !ok || string(v) != "v" {
		t.Fatal("memory cache lost a value")
	}
	var nilCache *Cache
	nilCache.Put("k", nil)
	if _, ok := nilCache.Get("k"); ok {
		t.Fatal("nil cache found something")
	}
}
