"""The portal's logic, with no Flask in it: access, disclosure, editing, imports, exports, audit."""
