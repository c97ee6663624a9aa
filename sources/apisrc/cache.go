package apisrc

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// CacheFile is the name of the cache's file inside cache_dir.
const CacheFile = "api-cache.db"

// cacheFormat marks a cache file as doradash's, in this layout.
const cacheFormat = "doradash-api-cache/1"

var (
	bucketName = []byte("doradash")
	formatKey  = []byte("\x00format")
)

// lockWait is how long opening the cache waits for another process that
// holds it; past that the poll goes on without the disk cache.
const lockWait = 500 * time.Millisecond

// flushEvery is how many pending writes are kept in memory before they are
// written, so a long first sync that is killed keeps most of its work.
const flushEvery = 200

// Cache is the on-disk cache of SPEC §8.1, shared by every API source of
// one process: a bbolt file (crash-safe, one writer at a time) under
// cache_dir, and in front of it a map of everything read or written in
// this process.
//
// The file is open only while some source holds the cache (Hold), that is
// while a poll runs, so two doradash processes sharing one folder take
// turns: a process that cannot get the file within lockWait runs that poll
// from memory and says so once. A file that is not a bbolt database, is
// corrupt, or belongs to another layout is removed and rebuilt with a
// warning; the cache never fails a poll. Keys are URLs without
// credentials and values never hold a secret (the Client checks).
//
// A nil *Cache is valid and caches nothing beyond the process.
type Cache struct {
	path string
	log  *slog.Logger

	mu      sync.Mutex
	holds   int
	db      *bolt.DB
	tried   bool // opening was attempted during the current holds
	broken  bool // the file could not be used at all: memory only
	warned  map[string]bool
	mem     map[string][]byte
	pending map[string][]byte
}

// OpenCache returns the cache whose file lives in dir ("" or a nil
// logger are allowed: no file, no warnings). It touches no file yet.
func OpenCache(dir string, log *slog.Logger) *Cache {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Cache{log: log, warned: map[string]bool{}, mem: map[string][]byte{}, pending: map[string][]byte{}}
	if dir == "" {
		c.broken = true
	} else {
		c.path = filepath.Join(dir, CacheFile)
	}
	return c
}

// MemoryCache is a cache without a file (--no-cache).
func MemoryCache() *Cache { return OpenCache("", nil) }

// Path is the cache file, "" without one.
func (c *Cache) Path() string {
	if c == nil {
		return ""
	}
	return c.path
}

// Hold keeps the file open (once it is needed) until the returned release
// is called; the last release writes what is pending and closes the file.
func (c *Cache) Hold() (release func()) {
	if c == nil {
		return func() {}
	}
	c.mu.Lock()
	c.holds++
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.holds == 1 {
				c.flushLocked() // while still held, so it may open the file
				c.closeLocked()
				c.tried = false
			}
			c.holds--
		})
	}
}

// Get returns the value of key, from memory or the file.
func (c *Cache) Get(key string) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.mem[key]; ok {
		return v, true
	}
	db := c.dbLocked()
	if db == nil {
		return nil, false
	}
	var out []byte
	err := c.safely(func() error {
		return db.View(func(tx *bolt.Tx) error {
			if b := tx.Bucket(bucketName); b != nil {
				if v := b.Get([]byte(key)); v != nil {
					out = append([]byte(nil), v...)
				}
			}
			return nil
		})
	})
	if err != nil {
		c.rebuildLocked(err)
		return nil, false
	}
	if out == nil {
		return nil, false
	}
	c.mem[key] = out
	return out, true
}

// Put stores value under key, in memory at once and in the file at the
// next flush.
func (c *Cache) Put(key string, value []byte) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mem[key] = value
	if c.broken {
		return
	}
	c.pending[key] = value
	if len(c.pending) >= flushEvery && c.holds > 0 {
		c.flushLocked()
	}
}

// dbLocked opens the file on first need during a hold; nil when there is
// none to use.
func (c *Cache) dbLocked() *bolt.DB {
	if c.db != nil || c.broken || c.holds == 0 || c.tried {
		return c.db
	}
	c.tried = true
	_, err := c.openLocked()
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			c.warnOnce("busy", "cache is in use by another doradash process; polling without it for now", "cache", c.path)
			return nil
		}
		c.warnOnce("open:"+err.Error(), "cache unusable, rebuilding it", "cache", c.path, "error", err.Error())
		if err := c.recreateLocked(); err != nil {
			c.warnOnce("broken", "cache cannot be rebuilt; going on without it", "cache", c.path, "error", err.Error())
			c.broken = true
			c.pending = map[string][]byte{}
			return nil
		}
	}
	return c.db
}

// openLocked opens the file and checks that it is a doradash cache.
func (c *Cache) openLocked() (*bolt.DB, error) {
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return nil, err
	}
	var db *bolt.DB
	err := c.safely(func() error {
		var err error
		db, err = bolt.Open(c.path, 0o600, &bolt.Options{Timeout: lockWait})
		return err
	})
	if err != nil {
		return nil, err
	}
	err = c.safely(func() error {
		return db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketName)
			if b == nil {
				foreign := false
				_ = tx.ForEach(func([]byte, *bolt.Bucket) error { foreign = true; return nil })
				if foreign {
					return errors.New("not a doradash cache")
				}
				nb, err := tx.CreateBucket(bucketName)
				if err != nil {
					return err
				}
				return nb.Put(formatKey, []byte(cacheFormat))
			}
			if string(b.Get(formatKey)) != cacheFormat {
				return fmt.Errorf("unknown cache format %q", b.Get(formatKey))
			}
			return nil
		})
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	c.db = db
	return db, nil
}

// recreateLocked removes the file and opens a new, empty one.
func (c *Cache) recreateLocked() error {
	c.closeLocked()
	if err := os.Remove(c.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	_, err := c.openLocked()
	return err
}

// rebuildLocked handles an error of a transaction on an open file: the
// file is corrupt, so it is rebuilt (what is in memory is written again
// over time).
func (c *Cache) rebuildLocked(err error) {
	c.warnOnce("corrupt", "cache corrupt, rebuilding it", "cache", c.path, "error", err.Error())
	if err := c.recreateLocked(); err != nil {
		c.broken = true
		c.pending = map[string][]byte{}
	}
}

// flushLocked writes the pending values, if the file is at hand.
func (c *Cache) flushLocked() {
	if len(c.pending) == 0 {
		return
	}
	db := c.dbLocked()
	if db == nil {
		return // kept pending for a later hold
	}
	err := c.safely(func() error {
		return db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketName)
			if b == nil {
				return errors.New("cache bucket vanished")
			}
			for k, v := range c.pending {
				if err := b.Put([]byte(k), v); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		c.rebuildLocked(err)
		return
	}
	c.pending = map[string][]byte{}
}

func (c *Cache) closeLocked() {
	if c.db != nil {
		c.db.Close()
		c.db = nil
	}
}

// safely runs f, turning a panic of bbolt over a corrupt page into an error.
func (c *Cache) safely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("corrupt cache: %v", r)
		}
	}()
	return f()
}

func (c *Cache) warnOnce(kind, msg string, args ...any) {
	if c.warned[kind] {
		return
	}
	c.warned[kind] = true
	c.log.Warn(msg, args...)
}
