// `express4` is the devDependency alias of express@4; it has the same API
// surface for everything these tests use, so it borrows Express 5's types.
declare module "express4" {
  import express = require("express");
  export = express;
}
