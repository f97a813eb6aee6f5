# Type stubs for the parts of livereload (which ships none) that newsgen uses.
