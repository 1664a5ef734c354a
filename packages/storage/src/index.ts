export type { BlobStorage, BlobInfo } from "./storage";
export { StorageError } from "./storage";
export { createStorage } from "./create-storage";
export { LocalStorage } from "./local-storage";
