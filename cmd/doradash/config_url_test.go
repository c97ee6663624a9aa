package main

import (
	"strings"
	"testing"
)

// TestConfigURLErrorsHideUserInfo is issue 8, item 9: a password with an
// unescaped '#', '/' or '?' made url.Parse's error quote part of it
// (`invalid port ":s3cr" after host`). No piece of the user info, nor of
// what might be user info, reaches the message.
func TestConfigURLErrorsHideUserInfo(t *testing.T) {
	for _, url := range []string{
		"https://bot:s3cr#etPW@127.0.0.1:18443/x",
		"https://bot:s3cr/etPW@127.0.0.1:18443/x",
		"https://bot:s3cr?etPW@127.0.0.1:18443/x",
		"https://bot:/s3cretPW@127.0.0.1/x",
		"ftp://bot:s3cr@etPW@127.0.0.1/x?token=1",
	} {
		doc := "[[source]]\nname = \"a\"\ntype = \"http\"\nurl = \"" + url + "\"\n"
		_, err := parseConfig("/some/dir/doradash.toml", []byte(doc), fakeEnv(nil))
		if err == nil {
			t.Errorf("%s: accepted", url)
			continue
		}
		if !strings.Contains(err.Error(), `doradash.toml:4: source "a": url: `) {
			t.Errorf("%s: error %q does not name the key", url, err)
		}
		for _, piece := range []string{"bot", "s3cr", "etPW"} {
			if strings.Contains(err.Error(), piece) {
				t.Errorf("%s: error %q shows %q", url, err, piece)
			}
		}
	}
}
