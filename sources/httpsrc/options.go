package httpsrc

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"doradash/sources"
)

// Validate checks the options and fills the defaults (Timeout:
// DefaultTimeout, MaxBytes: DefaultMaxBytes, UserAgent: DefaultUserAgent).
// Its errors start with the configuration key at fault ("url: ...",
// "headers: ...", "ca_file: ..."), or say which required key is missing;
// they never contain the URL's secrets, a header's value or the token.
// New calls it; the configuration parser calls it to place an error on the
// key's line.
func (o *Options) Validate() error {
	if o.URL == "" {
		return errors.New(`missing required key "url"`)
	}
	if err := CheckURL("url", o.URL); err != nil {
		return err
	}
	if err := sources.CheckFormat(o.Format); err != nil {
		return err
	}
	if err := CheckRequestOptions(o.Timeout, o.MaxBytes, o.CAFile, o.Headers); err != nil {
		return err
	}
	if strings.ContainsAny(o.BearerToken, "\r\n\x00") {
		return errors.New("bearer_token_env: the token must be one line without NUL")
	}
	if strings.ContainsAny(o.UserAgent, "\r\n\x00") {
		return errors.New("user agent: must be one line without NUL")
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	return nil
}

// CheckRequestOptions checks the keys every source that reads over HTTP
// shares (the http source, with or without a transform, and the API
// sources): timeout and max_bytes not negative (0: the default), headers
// with valid names and one-line values, and a CA file that holds a PEM
// certificate. Its errors start with the key at fault.
func CheckRequestOptions(timeout time.Duration, maxBytes int64, caFile string, headers map[string]string) error {
	switch {
	case timeout < 0:
		return fmt.Errorf("timeout: %v is negative", timeout)
	case maxBytes < 0:
		return fmt.Errorf("max_bytes: %d is negative", maxBytes)
	}
	if err := checkHeaders(headers); err != nil {
		return err
	}
	if caFile != "" {
		if _, err := readCAFile(caFile); err != nil {
			return err
		}
	}
	return nil
}

// checkHeaders checks header names and values, in name order so that the
// error is always the same one.
func checkHeaders(headers map[string]string) error {
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !validHeaderName(k) {
			return fmt.Errorf("headers: %q is not a valid header name", k)
		}
		if strings.ContainsAny(headers[k], "\r\n\x00") {
			return fmt.Errorf("headers: header %q: the value must be one line without NUL", k)
		}
	}
	return nil
}

// maxCAFile bounds a CA file: a bundle of every public root is a few
// hundred KiB, and a ca_file pointing at /dev/zero must not exhaust memory.
const maxCAFile = 4 << 20

// readCAFile reads a regular file of PEM certificates; its errors start
// with "ca_file: ".
func readCAFile(path string) ([]byte, error) {
	fail := func(why string) ([]byte, error) { return nil, fmt.Errorf("ca_file: cannot read %s: %s", path, why) }
	fi, err := os.Stat(path)
	if err != nil {
		return fail(pathErrText(err))
	}
	if !fi.Mode().IsRegular() {
		return fail("not a regular file")
	}
	if fi.Size() > maxCAFile {
		return fail(fmt.Sprintf("larger than %d MiB", maxCAFile>>20))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fail(pathErrText(err))
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("ca_file: %s holds no PEM certificate", path)
	}
	return data, nil
}

// pathErrText is an *os.PathError without the operation and path, which
// the message already says ("no such file or directory").
func pathErrText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// CheckURL checks raw as ParseURL does; its error starts with key ("url",
// "api_url") and, like ParseURL's, never quotes the URL's user info.
func CheckURL(key, raw string) error {
	if _, err := ParseURL(raw); err != nil {
		return fmt.Errorf("%s: %v", key, err)
	}
	return nil
}
