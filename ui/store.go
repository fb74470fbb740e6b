package ui

// Storage keys. Everything the user makes is kept under storagePrefix, so
// "Clear my data" can remove it all.
const (
	storagePrefix = "se.v1."
	keyLast       = storagePrefix + "last." // + data set: the image last viewed with it
	keyModel      = storagePrefix + "model" // the model last used; assets/boot.js (lastModel) reads it too
	keyImages     = storagePrefix + "images"
	keyMaskPrefix = storagePrefix + "mask."
	keySettings   = storagePrefix + "settings"
	// keyKept is "1" while the browser's database may hold kept models
	// (app_kept.go): without it the page opens its first sample without
	// waiting for the database.
	keyKept = storagePrefix + "kept"
)

// Store keeps the user's work between visits: the browser's localStorage
// on the page (webStore), a map in the tests.
type Store interface {
	// Get returns the value under key, if there is one.
	Get(key string) (string, bool)
	// Set stores a value, or says why the browser refused
	// (errStorageFull, errStorageOff, or another reason).
	Set(key, val string) error
	// Remove deletes a key.
	Remove(key string)
	// Keys lists the stored keys that start with prefix.
	Keys(prefix string) []string
}

// webStore is window.localStorage.
type webStore struct{}

func (webStore) Get(key string) (string, bool) { return storageGet(key) }
func (webStore) Set(key, val string) error     { return storageSet(key, val) }
func (webStore) Remove(key string)             { storageRemove(key) }
func (webStore) Keys(prefix string) []string   { return storageKeys(prefix) }

var _ Store = webStore{}
