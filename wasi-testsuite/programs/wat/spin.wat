;; Loops forever: for --fuel and --timeout.
(module
  (func (export "_start") (loop $forever (br $forever))))
