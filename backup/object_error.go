package backup

import "errors"

// CorruptObjectError names the object in which a corruption (ErrCorrupt) was found: a chunk whose size,
// SHA-256, statements or row count differ from the manifest, or the manifest itself.
type CorruptObjectError struct {
	// Key is the object's key under the backup's location.
	Key string
	// Err is the ErrCorrupt error that says what differs.
	Err error
}

func (e *CorruptObjectError) Error() string { return e.Err.Error() }

func (e *CorruptObjectError) Unwrap() error { return e.Err }

// CorruptObject returns the key of the corrupt object err names, if err is or wraps a CorruptObjectError.
func CorruptObject(err error) (string, bool) {
	var c *CorruptObjectError
	if errors.As(err, &c) {
		return c.Key, true
	}
	return "", false
}

// nameCorrupt wraps an ErrCorrupt error found in the object key so callers can name it; other errors pass.
func nameCorrupt(key string, err error) error {
	if err == nil || !errors.Is(err, ErrCorrupt) {
		return err
	}
	if _, named := CorruptObject(err); named {
		return err
	}
	return &CorruptObjectError{Key: key, Err: err}
}
